//! Sending subscription notifications: each one is charged to its connection's queued
//! output, so a client that subscribes and never reads is closed, not buffered for.

use std::sync::Arc;

use jsonrpsee::{server::SubscriptionMessage, Extensions, SubscriptionSink};
use serde::Serialize;

use crate::server::ConnectionState;

/// The connection a call or subscription came on, if the server tracks it.
pub fn connection_of(extensions: &Extensions) -> Option<Arc<ConnectionState>> {
    extensions.get::<Arc<ConnectionState>>().cloned()
}

/// Sends `item` as a notification of `sink`; `false` once the subscription is over (the
/// client left, or its connection was closed for not reading).
pub async fn notify<T: Serialize>(
    sink: &SubscriptionSink,
    connection: Option<&Arc<ConnectionState>>,
    item: &T,
) -> bool {
    let Ok(raw) = serde_json::value::to_raw_value(item) else {
        return false;
    };
    if let Some(connection) = connection {
        if !connection.charge_output(raw.get().len()) {
            return false;
        }
    }
    sink.send(SubscriptionMessage::from(raw)).await.is_ok()
}
