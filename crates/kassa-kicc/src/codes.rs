//! The KICC vendor codes (docs/protocols.md §3.1) as closed enums: event codes, init results, command
//! errors and business results. Each enum knows its wire spelling both ways; a spelling not in
//! the table parses to `None`, so the caller decides (events: log and ignore; outcomes: treat
//! as not trustworthy). What each code *means* for Kassa lives in `rules` and `map`.

/// Declares a vendor code enum with its wire spellings, `as_str`, `parse` and `ALL`.
macro_rules! vendor_codes {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every code, in the vendor's table order.
            pub const ALL: &'static [$name] = &[ $( $name::$variant, )+ ];

            /// The code as it appears on the wire.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $wire, )+
                }
            }

            /// Reads a wire code; `None` for a code this driver does not know.
            pub fn parse(code: &str) -> Option<$name> {
                match code {
                    $( $wire => Some($name::$variant), )+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vendor_codes! {
    /// Events a running command reports before its outcome (`EDCServiceEvent` codes).
    pub enum EventCode {
        /// Ready for the card: the customer's countdown starts.
        Ready = "READY",
        /// A card was detected.
        CardDetected = "CARD_DETECTED",
        /// The card was read.
        CardReadCompleted = "CARD_READ_COMPLETED",
        /// The customer must sign.
        PendingSignature = "PENDING_SIGNATURE",
        /// Authorisation started.
        StartTransaction = "START_TRANSACTION",
        /// The device is cancelling the command.
        Cancelling = "CANCELLING",
        /// Swipe failed: insert the card.
        FallbackMagcardreader = "FALLBACK_MAGCARDREADER",
        /// Use the IC chip.
        RequireCardInsert = "REQUIRE_CARD_INSERT",
        /// Read failed: try again.
        CardTryAgain = "CARD_TRY_AGAIN",
        /// The card was not detected (removed too early).
        CardMissing = "CARD_MISSING",
        /// The device is initialising.
        DeviceInitialize = "DEVICE_INITIALIZE",
    }
}

vendor_codes! {
    /// Results of the bridge's `init` (`onInitResult`).
    pub enum InitCode {
        /// The SDK is ready for commands.
        InitSuccess = "INIT_SUCCESS",
        /// Initialisation failed; trying again may work.
        InitFailed = "INIT_FAILED",
        /// The init parameters (provider, merchant id) are wrong.
        InitParamError = "INIT_PARAM_ERROR",
    }
}

vendor_codes! {
    /// Command execution failures (`onCommandFailed` error codes).
    pub enum CommandErrorCode {
        /// The command ran but its result could not be read.
        CommandInvalidResponse = "CommandInvalidResponse",
        /// The command ran but no response came in time.
        CommandResponseTimeout = "CommandResponseTimeout",
        /// The device does not know the command.
        CommandNotSupport = "CommandNotSupport",
        /// The device is executing another command.
        CommandDeviceBusy = "CommandDeviceBusy",
        /// The parameters were rejected before anything ran.
        CommandParamError = "CommandParamError",
        /// The command is not valid now (e.g. `CommandCancel` after the card was read).
        CommandInvalid = "CommandInvalid",
    }
}

vendor_codes! {
    /// Business results (`result.resultCode` of `onBusinessFailed`).
    pub enum BusinessCode {
        /// The device already has an order with this `requestId`.
        RepeatReqReject = "REPEAT_REQ_REJECT",
        /// The merchant contract is invalid.
        InvalidContract = "INVALID_CONTRACT",
        /// Access denied by KICC.
        AccessDenied = "ACCESS_DENIED",
        /// General business failure; do not retry.
        ProcessFail = "PROCESS_FAIL",
        /// Missing or illegal parameters.
        ParamIllegal = "PARAM_ILLEGAL",
        /// The order's status does not allow this.
        OrderStatusInvalid = "ORDER_STATUS_INVALID",
        /// The transaction is cancelled.
        OrderIsCanceled = "ORDER_IS_CANCELED",
        /// Over the customer's payment limit.
        UserAmountExceedLimit = "USER_AMOUNT_EXCEED_LIMIT",
        /// Not enough balance.
        UserBalanceNotEnough = "USER_BALANCE_NOT_ENOUGH",
        /// The card number is invalid.
        InvalidCardNumber = "INVALID_CARD_NUMBER",
        /// Identity verification failed or timed out.
        IdentityVerifyFailed = "IDENTITY_VERIFY_FAILED",
        /// Unknown scenario on the vendor's side.
        Unknown = "UNKNOWN",
    }
}

/// The `result.resultCode` of a successful command.
pub const RESULT_SUCCESS: &str = "SUCCESS";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_through_its_wire_spelling() {
        for c in EventCode::ALL {
            assert_eq!(EventCode::parse(c.as_str()), Some(*c));
        }
        for c in InitCode::ALL {
            assert_eq!(InitCode::parse(c.as_str()), Some(*c));
        }
        for c in CommandErrorCode::ALL {
            assert_eq!(CommandErrorCode::parse(c.as_str()), Some(*c));
        }
        for c in BusinessCode::ALL {
            assert_eq!(BusinessCode::parse(c.as_str()), Some(*c));
        }
        assert_eq!(
            EventCode::ALL.len(),
            11,
            "the vendor table lists 11 event codes"
        );
        assert_eq!(CommandErrorCode::ALL.len(), 6);
        assert_eq!(BusinessCode::ALL.len(), 12);
    }

    #[test]
    fn unknown_spellings_are_not_guessed() {
        assert_eq!(
            EventCode::parse("ready"),
            None,
            "codes are case-sensitive on the wire"
        );
        assert_eq!(EventCode::parse("CARD_EXPLODED"), None);
        assert_eq!(
            BusinessCode::parse("SUCCESS"),
            None,
            "success is not a business failure"
        );
        assert_eq!(CommandErrorCode::parse("COMMAND_DEVICE_BUSY"), None);
    }
}
