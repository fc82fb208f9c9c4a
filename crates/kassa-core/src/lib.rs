//! Kassa's core: money, ids, the clock seam, orders, the attempt state machine shared by
//! payments and refunds, the driver-neutral event vocabulary, and the [`Terminal`] trait every
//! driver implements. It knows no vendor.

pub mod attempt;
pub mod clock;
pub mod events;
pub mod ids;
pub mod money;
pub mod order;
pub mod secret;
pub mod terminal;

pub use attempt::{AttemptMachine, AttemptState, IllegalTransition};
pub use clock::{Clock, ManualClock, SystemClock};
pub use events::{Countdown, EventSink, Instruction, NullSink, Phase, TerminalEvent, VecSink};
pub use ids::{IdCodes, IdGen, RequestId};
pub use money::{Currency, Money, MoneyError};
pub use order::{order_totals, OrderLine, OrderTotals, TaxRate};
pub use secret::Secret;
pub use terminal::*;
