//! Calls, origins, dispatch information and transactional dispatch.

use codec::{Decode, Encode, MaxEncodedLen};
use dfs_core::AccountId32;
use dfs_runtime_primitives::{DispatchError, TransactionalError, Weight};
use scale_info::TypeInfo;

pub use dfs_runtime_primitives::DispatchResult;

/// Who is calling: the chain itself (root), an account that signed, or nobody (inherents and
/// unsigned transactions).
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo, MaxEncodedLen)]
#[scale_info(replace_segment("dfs_support", "frame_support"))]
pub enum RawOrigin {
    /// The chain's highest authority: governance or sudo.
    Root,
    /// An account that signed the transaction.
    Signed(AccountId32),
    /// No signer: inherents and unsigned transactions.
    None,
}

/// The origin every call receives.
pub type Origin = RawOrigin;

impl RawOrigin {
    /// A signed origin.
    pub fn signed(who: AccountId32) -> Self {
        RawOrigin::Signed(who)
    }
}

/// The origin was not the kind the call requires.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct BadOrigin;

impl From<BadOrigin> for DispatchError {
    fn from(_: BadOrigin) -> Self {
        DispatchError::BadOrigin
    }
}

/// The signer of a signed origin.
pub fn ensure_signed(origin: Origin) -> Result<AccountId32, BadOrigin> {
    match origin {
        RawOrigin::Signed(who) => Ok(who),
        _ => Err(BadOrigin),
    }
}

/// Succeeds for the root origin only.
pub fn ensure_root(origin: Origin) -> Result<(), BadOrigin> {
    match origin {
        RawOrigin::Root => Ok(()),
        _ => Err(BadOrigin),
    }
}

/// Succeeds for the none origin only.
pub fn ensure_none(origin: Origin) -> Result<(), BadOrigin> {
    match origin {
        RawOrigin::None => Ok(()),
        _ => Err(BadOrigin),
    }
}

/// How a call's weight counts against a block.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Encode, Decode, TypeInfo, MaxEncodedLen)]
#[scale_info(replace_segment("dfs_support", "frame_support"))]
pub enum DispatchClass {
    /// Ordinary transactions, limited to a share of the block.
    #[default]
    Normal,
    /// Operational transactions (e.g. governance, sudo), allowed into a reserved share.
    Operational,
    /// Inherents: always included, whatever the weight.
    Mandatory,
}

impl DispatchClass {
    /// All classes, in index order.
    pub const ALL: [DispatchClass; 3] =
        [DispatchClass::Normal, DispatchClass::Operational, DispatchClass::Mandatory];
}

/// One value per dispatch class.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Encode, Decode, TypeInfo, MaxEncodedLen)]
#[scale_info(replace_segment("dfs_support", "frame_support"))]
pub struct PerDispatchClass<T> {
    /// For `Normal`.
    pub normal: T,
    /// For `Operational`.
    pub operational: T,
    /// For `Mandatory`.
    pub mandatory: T,
}

impl<T> PerDispatchClass<T> {
    /// The value of `class`.
    pub fn get(&self, class: DispatchClass) -> &T {
        match class {
            DispatchClass::Normal => &self.normal,
            DispatchClass::Operational => &self.operational,
            DispatchClass::Mandatory => &self.mandatory,
        }
    }

    /// The value of `class`, mutably.
    pub fn get_mut(&mut self, class: DispatchClass) -> &mut T {
        match class {
            DispatchClass::Normal => &mut self.normal,
            DispatchClass::Operational => &mut self.operational,
            DispatchClass::Mandatory => &mut self.mandatory,
        }
    }
}

impl PerDispatchClass<Weight> {
    /// The sum over all classes.
    pub fn total(&self) -> Weight {
        self.normal.saturating_add(self.operational).saturating_add(self.mandatory)
    }
}

/// Whether the sender pays the fee.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Encode, Decode, TypeInfo, MaxEncodedLen)]
#[scale_info(replace_segment("dfs_support", "frame_support"))]
pub enum Pays {
    /// The sender pays.
    #[default]
    Yes,
    /// The call is free.
    No,
}

/// What is known about a call before dispatching it.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Encode, Decode, TypeInfo, MaxEncodedLen)]
#[scale_info(replace_segment("dfs_support", "frame_support"))]
pub struct DispatchInfo {
    /// The worst-case weight.
    pub weight: Weight,
    /// The dispatch class.
    pub class: DispatchClass,
    /// Whether a fee is charged.
    pub pays_fee: Pays,
}

/// What a call reports after running: its actual weight, if lower, and whether it pays.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Encode, Decode, TypeInfo)]
#[scale_info(replace_segment("dfs_support", "frame_support"))]
pub struct PostDispatchInfo {
    /// The weight actually used, if known and lower than declared.
    pub actual_weight: Option<Weight>,
    /// Whether the fee is charged after all.
    pub pays_fee: Pays,
}

impl PostDispatchInfo {
    /// The weight to account for the call: the actual one, capped at the declared one.
    pub fn calc_actual_weight(&self, info: &DispatchInfo) -> Weight {
        match self.actual_weight {
            Some(actual) if actual.all_lte(info.weight) => actual,
            _ => info.weight,
        }
    }

    /// Whether a fee is charged: only if both before and after say so.
    pub fn pays_fee(&self, info: &DispatchInfo) -> Pays {
        if info.pays_fee == Pays::No || self.pays_fee == Pays::No {
            Pays::No
        } else {
            Pays::Yes
        }
    }
}

impl From<Pays> for PostDispatchInfo {
    fn from(pays_fee: Pays) -> Self {
        PostDispatchInfo { actual_weight: None, pays_fee }
    }
}

impl From<()> for PostDispatchInfo {
    fn from(_: ()) -> Self {
        PostDispatchInfo::default()
    }
}

/// A failed call with what it reports about its weight.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct DispatchErrorWithPostInfo {
    /// Weight and fee information.
    pub post_info: PostDispatchInfo,
    /// Why it failed.
    pub error: DispatchError,
}

impl<E: Into<DispatchError>> From<E> for DispatchErrorWithPostInfo {
    fn from(error: E) -> Self {
        DispatchErrorWithPostInfo { post_info: PostDispatchInfo::default(), error: error.into() }
    }
}

/// The result of a call that reports weight information.
pub type DispatchResultWithPostInfo = Result<PostDispatchInfo, DispatchErrorWithPostInfo>;

/// A call's declared weight in one of the forms `#[pallet::weight(...)]` accepts:
/// a weight, or a tuple adding a class and/or a fee policy.
pub trait WeighCall {
    /// The dispatch information this declares.
    fn into_dispatch_info(self) -> DispatchInfo;
}

impl WeighCall for Weight {
    fn into_dispatch_info(self) -> DispatchInfo {
        DispatchInfo { weight: self, ..Default::default() }
    }
}

impl WeighCall for (Weight, DispatchClass) {
    fn into_dispatch_info(self) -> DispatchInfo {
        DispatchInfo { weight: self.0, class: self.1, ..Default::default() }
    }
}

impl WeighCall for (Weight, Pays) {
    fn into_dispatch_info(self) -> DispatchInfo {
        DispatchInfo { weight: self.0, pays_fee: self.1, ..Default::default() }
    }
}

impl WeighCall for (Weight, DispatchClass, Pays) {
    fn into_dispatch_info(self) -> DispatchInfo {
        DispatchInfo { weight: self.0, class: self.1, pays_fee: self.2 }
    }
}

/// A call that can be dispatched with an origin.
pub trait Dispatchable {
    /// Runs the call, in its own storage transaction: on error its changes are undone.
    fn dispatch(self, origin: Origin) -> DispatchResultWithPostInfo;
}

/// A call that knows its weight, class and fee policy before running.
pub trait GetDispatchInfo {
    /// The call's dispatch information.
    fn get_dispatch_info(&self) -> DispatchInfo;
}

/// A call's pallet and function names, for logs and errors.
pub trait GetCallName {
    /// The function's name.
    fn call_name(&self) -> &'static str;
}

#[cfg(feature = "std")]
std::thread_local! {
    static TRANSACTION_DEPTH: core::cell::Cell<u32> = const { core::cell::Cell::new(0) };
}

#[cfg(not(feature = "std"))]
struct SingleThreaded(core::cell::Cell<u32>);
// SAFETY: the Wasm runtime is single-threaded; nothing shares this across threads.
#[cfg(not(feature = "std"))]
#[allow(unsafe_code)]
unsafe impl Sync for SingleThreaded {}
#[cfg(not(feature = "std"))]
static TRANSACTION_DEPTH: SingleThreaded = SingleThreaded(core::cell::Cell::new(0));

fn with_depth<R>(f: impl FnOnce(&core::cell::Cell<u32>) -> R) -> R {
    #[cfg(feature = "std")]
    return TRANSACTION_DEPTH.with(f);
    #[cfg(not(feature = "std"))]
    return f(&TRANSACTION_DEPTH.0);
}

/// How deeply storage transactions may nest.
pub const TRANSACTIONAL_LIMIT: u32 = 255;

/// Runs `f` in a storage transaction: its changes are kept if it returns `Ok`, undone if `Err`.
/// Too deep a nesting fails with `Transactional(LimitReached)` without running `f`.
pub fn with_transaction<R, E: From<DispatchError>>(
    f: impl FnOnce() -> Result<R, E>,
) -> Result<R, E> {
    let depth = with_depth(|depth| depth.get());
    if depth >= TRANSACTIONAL_LIMIT {
        return Err(DispatchError::Transactional(TransactionalError::LimitReached).into());
    }
    with_depth(|d| d.set(depth + 1));
    dfs_io::storage::start_transaction();
    let result = f();
    match result {
        Ok(_) => dfs_io::storage::commit_transaction(),
        Err(_) => dfs_io::storage::rollback_transaction(),
    }
    with_depth(|d| d.set(depth));
    result
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use dfs_io::state::TestExternalities;

    #[test]
    fn transactions_keep_or_undo_changes() {
        TestExternalities::default().execute_with(|| {
            let kept: Result<(), DispatchError> = with_transaction(|| {
                dfs_io::storage::set(b"a", b"1");
                Ok(())
            });
            assert!(kept.is_ok());
            let undone: Result<(), DispatchError> = with_transaction(|| {
                dfs_io::storage::set(b"b", b"2");
                Err(DispatchError::BadOrigin)
            });
            assert_eq!(undone, Err(DispatchError::BadOrigin));
            assert!(dfs_io::storage::exists(b"a"));
            assert!(!dfs_io::storage::exists(b"b"));
        });
    }

    #[test]
    fn nesting_is_bounded() {
        fn nest(level: u32) -> Result<u32, DispatchError> {
            with_transaction(|| if level == 0 { Ok(0) } else { nest(level - 1).map(|d| d + 1) })
        }
        TestExternalities::default().execute_with(|| {
            assert_eq!(nest(TRANSACTIONAL_LIMIT - 1), Ok(TRANSACTIONAL_LIMIT - 1));
            assert_eq!(
                nest(TRANSACTIONAL_LIMIT),
                Err(DispatchError::Transactional(TransactionalError::LimitReached))
            );
            // The counter is back to zero after the failure.
            assert_eq!(nest(3), Ok(3));
        });
    }

    #[test]
    fn post_dispatch_weight_is_capped_at_declared() {
        let info = DispatchInfo { weight: Weight::from_parts(100, 10), ..Default::default() };
        let lower = PostDispatchInfo {
            actual_weight: Some(Weight::from_parts(40, 5)),
            pays_fee: Pays::Yes,
        };
        assert_eq!(lower.calc_actual_weight(&info), Weight::from_parts(40, 5));
        let higher = PostDispatchInfo {
            actual_weight: Some(Weight::from_parts(400, 5)),
            pays_fee: Pays::No,
        };
        assert_eq!(higher.calc_actual_weight(&info), info.weight);
        assert_eq!(higher.pays_fee(&info), Pays::No);
    }
}
