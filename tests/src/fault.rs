//! What the fault matrices (`fault_matrix_antom.rs`, `_kicc.rs`, `_iotpay.rs`) expect of a row,
//! named once for the three terminal kinds: the same fault must end the same way wherever the
//! protocol can carry it.

/// What the cashier is told when a sale is approved.
pub const APPROVED: &[&str] = &["approved"];

/// What the cashier is told when nobody can prove the outcome.
pub const MANAGER: &[&str] = &[
    "outcome unknown",
    "check the terminal screen",
    "manager",
    "do not charge again",
];

/// What must come of one fault: kassactl's exit code, the attempt's state in the ledger,
/// whether the terminal charged, why the attempt went through *unknown* (if it did) and words
/// the cashier's message must contain.
#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    /// kassactl's exit code.
    pub exit: i32,
    /// The attempt's final state.
    pub state: &'static str,
    /// Whether the terminal charged the card.
    pub charged: bool,
    /// The `lost` reason in the attempt's journal.
    pub lost: Option<&'static str>,
    /// Words of the cashier's message (case-insensitive).
    pub words: &'static [&'static str],
}

impl Outcome {
    /// Charged; the answer could not be taken as it came (`lost`), and recovery found the
    /// charge.
    pub const fn approved_after(lost: &'static str) -> Outcome {
        Outcome {
            exit: 0,
            state: "succeeded",
            charged: true,
            lost: Some(lost),
            words: APPROVED,
        }
    }

    /// Not charged, and the cashier is told so (`lost` if it went through unknown first).
    pub const fn failed(lost: Option<&'static str>, words: &'static [&'static str]) -> Outcome {
        Outcome {
            exit: 3,
            state: "failed",
            charged: false,
            lost,
            words,
        }
    }

    /// Recovery could not prove the outcome (the terminal may or may not have `charged`): a
    /// manager decides.
    pub const fn needs_manager(charged: bool, lost: &'static str) -> Outcome {
        Outcome {
            exit: 4,
            state: "needs-manager",
            charged,
            lost: Some(lost),
            words: MANAGER,
        }
    }

    /// Refused before anything was sent: the terminal is not ready.
    pub const fn refused(words: &'static [&'static str]) -> Outcome {
        Outcome {
            exit: 3,
            state: "refused",
            charged: false,
            lost: None,
            words,
        }
    }
}

/// A fault-matrix row: `fault`, scripted into the simulator by `script`, must end as the
/// [`Outcome`]; default timing, no earlier sale (override with `Row { timing, ..fault_row!() }`).
///
/// Expands to the runner's `Row` (`tests/tests/reliability/matrix.rs`), which must be in
/// scope: this library cannot name it, as each test binary compiles the runner as its own
/// module.
#[macro_export]
macro_rules! fault_row {
    ($fault:expr, $script:expr, $outcome:expr $(,)?) => {{
        let outcome: $crate::fault::Outcome = $outcome;
        Row {
            fault: $fault,
            script: $script,
            timing: &[],
            earlier_sale: false,
            exit: outcome.exit,
            state: outcome.state,
            charged: outcome.charged,
            lost: outcome.lost,
            words: outcome.words,
        }
    }};
}
