//! The RPC middleware: every call passes here on its way in and its answer on its way out.
//!
//! - Calls in flight on one connection are bounded in number and bytes of parameters
//!   ([`ConnectionState::begin_call`]); beyond, the call is answered "busy" at once.
//! - Every answer is charged to its connection's queued output
//!   ([`ConnectionState::charge_output`]).
//! - A batch runs its calls concurrently (a batch of submissions fills a validation batch)
//!   and is answered in order as the answers come: it stops at the response limit, with the
//!   calls not yet answered cancelled, instead of collecting every answer first. Its length
//!   is bounded by the server's batch limit.
//! - Calls are counted and timed under Substrate's metric names.

use std::{collections::HashSet, future::Future, sync::Arc, time::Instant};

use futures_util::{stream, StreamExt};
use jsonrpsee::{
    server::middleware::rpc::{Batch, BatchEntry, Notification, RpcServiceT},
    types::Request,
    BatchResponseBuilder, MethodResponse,
};

use crate::{errors::ServiceError, metrics::RpcMetrics, server::ConnectionState};

/// How many calls of one batch run at once.
pub const BATCH_CONCURRENCY: usize = 64;

/// The middleware around jsonrpsee's service.
#[derive(Clone)]
pub struct Guard<S> {
    service: S,
    max_response_bytes: usize,
    metrics: RpcMetrics,
    /// The methods served: metrics label calls by method only for these, so that clients
    /// calling made-up names cannot grow the metrics without end.
    methods: Arc<HashSet<String>>,
}

impl<S> Guard<S> {
    /// Wraps `service`, which serves `methods`.
    pub fn new(
        service: S,
        max_response_bytes: usize,
        metrics: RpcMetrics,
        methods: Arc<HashSet<String>>,
    ) -> Self {
        Guard { service, max_response_bytes, metrics, methods }
    }
}

fn connection(request: &Request<'_>) -> Option<Arc<ConnectionState>> {
    request.extensions().get::<Arc<ConnectionState>>().cloned()
}

impl<S> Guard<S>
where
    S: RpcServiceT<
            MethodResponse = MethodResponse,
            NotificationResponse = MethodResponse,
            BatchResponse = MethodResponse,
        > + Clone
        + Send
        + Sync
        + 'static,
{
    /// Runs one call within its connection's in-flight bounds, counted and timed; its
    /// answer is not charged (the caller charges what it sends).
    fn run<'a>(&self, request: Request<'a>) -> impl Future<Output = MethodResponse> + Send + 'a {
        let service = self.service.clone();
        let metrics = self.metrics.clone();
        let method = match self.methods.contains(request.method_name()) {
            true => request.method_name().to_string(),
            false => "<unknown>".to_string(),
        };
        async move {
            let params = request.params.as_ref().map_or(0, |params| params.get().len());
            let slot = match connection(&request) {
                Some(connection) => match connection.begin_call(params) {
                    Some(slot) => Some(slot),
                    None => {
                        metrics.rejected(&method);
                        return MethodResponse::error(request.id(), ServiceError::Busy);
                    }
                },
                None => None,
            };
            let started = Instant::now();
            metrics.started(&method);
            let response = service.call(request).await;
            metrics.finished(&method, response.is_success(), started.elapsed());
            drop(slot);
            response
        }
    }
}

impl<S> RpcServiceT for Guard<S>
where
    S: RpcServiceT<
            MethodResponse = MethodResponse,
            NotificationResponse = MethodResponse,
            BatchResponse = MethodResponse,
        > + Clone
        + Send
        + Sync
        + 'static,
{
    type MethodResponse = MethodResponse;
    type NotificationResponse = MethodResponse;
    type BatchResponse = MethodResponse;

    fn call<'a>(
        &self,
        request: Request<'a>,
    ) -> impl Future<Output = Self::MethodResponse> + Send + 'a {
        let connection = connection(&request);
        let call = self.run(request);
        async move {
            let response = call.await;
            if let Some(connection) = connection {
                connection.charge_output(response.as_json().get().len());
            }
            response
        }
    }

    fn notification<'a>(
        &self,
        notification: Notification<'a>,
    ) -> impl Future<Output = Self::NotificationResponse> + Send + 'a {
        self.service.notification(notification)
    }

    fn batch<'a>(
        &self,
        mut batch: Batch<'a>,
    ) -> impl Future<Output = Self::BatchResponse> + Send + 'a {
        type Answer<'a> =
            std::pin::Pin<Box<dyn Future<Output = Option<MethodResponse>> + Send + 'a>>;
        let connection = batch.extensions().get::<Arc<ConnectionState>>().cloned();
        let max_response_bytes = self.max_response_bytes;
        let mut pending: Vec<Answer<'a>> = Vec::with_capacity(batch.len());
        for entry in batch {
            pending.push(match entry {
                Ok(BatchEntry::Call(request)) => {
                    let call = self.run(request);
                    Box::pin(async move { Some(call.await) })
                }
                Ok(BatchEntry::Notification(notification)) => {
                    let service = self.service.clone();
                    Box::pin(async move {
                        service.notification(notification).await;
                        None
                    })
                }
                Err(error) => {
                    let (error, id) = error.into_parts();
                    Box::pin(std::future::ready(Some(MethodResponse::error(id, error))))
                }
            });
        }
        async move {
            // Answers are taken in order as they complete; once the response would pass the
            // limit, the rest is dropped unfinished.
            let mut answers = stream::iter(pending).buffered(BATCH_CONCURRENCY);
            let mut responses = BatchResponseBuilder::new_with_limit(max_response_bytes);
            let mut notified = false;
            while let Some(answer) = answers.next().await {
                match answer {
                    Some(response) => {
                        if let Err(too_large) = responses.append(response) {
                            if let Some(connection) = &connection {
                                connection.charge_output(too_large.as_json().get().len());
                            }
                            return too_large;
                        }
                    }
                    None => notified = true,
                }
            }
            let response = if responses.is_empty() && notified {
                MethodResponse::notification()
            } else {
                MethodResponse::from_batch(responses.finish())
            };
            if let Some(connection) = &connection {
                connection.charge_output(response.as_json().get().len());
            }
            response
        }
    }
}
