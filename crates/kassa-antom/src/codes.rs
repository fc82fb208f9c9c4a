//! Antom's result codes and statuses (docs/protocols.md §1.4–§1.5) as enums, each with an `Unknown`
//! variant that keeps the text, so a code this crate has never seen is carried, logged and
//! classified instead of failing to parse. Every mapping is one exhaustive `match`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Declares a string-backed enum with an `Unknown(String)` catch-all.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(from = "String", into = "String")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
            /// A value this crate does not know, kept verbatim.
            Unknown(String),
        }

        impl $name {
            /// The wire text.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)*
                    $name::Unknown(s) => s,
                }
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> $name {
                match s {
                    $($text => $name::$variant,)*
                    other => $name::Unknown(other.to_string()),
                }
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> $name {
                $name::from(s.as_str())
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.as_str().to_string()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_enum! {
    /// `result.resultStatus`: the outcome of the *call*.
    ResultStatus {
        /// Successful.
        S = "S",
        /// Failed.
        F = "F",
        /// Unknown (in progress, or the terminal does not know).
        U = "U",
    }
}

wire_enum! {
    /// `result.resultCode`, as far as the N950 documentation lists them.
    ResultCode {
        /// The call succeeded.
        Success = "SUCCESS",
        /// Processing failed; do not retry.
        ProcessFail = "PROCESS_FAIL",
        /// The path is not an API.
        InvalidApi = "INVALID_API",
        /// `Client-Id` is not this terminal's SN.
        ClientInvalid = "CLIENT_INVALID",
        /// The request's signature did not verify on the terminal.
        InvalidSignature = "INVALID_SIGNATURE",
        /// The terminal could not open the envelope (sic: ENCRPT).
        InvalidEncryptData = "INVALID_ENCRPT_DATA",
        /// Only POST is accepted.
        MethodNotSupported = "METHOD_NOT_SUPPORTED",
        /// The terminal hit an unexpected error; outcome unknown.
        UnknownException = "UNKNOWN_EXCEPTION",
        /// A parameter is invalid.
        ParamIllegal = "PARAM_ILLEGAL",
        /// The same `paymentRequestId` is still being processed.
        PaymentInProgress = "PAYMENT_IN_PROGRESS",
        /// The same `paymentRequestId` already failed.
        PaymentFail = "PAYMENT_FAIL",
        /// The terminal is busy; try later (a new attempt).
        TerminalBusy = "TERMINAL_BUSY",
        /// The terminal is not logged in to D-store (code text not published; an unknown `F`
        /// code classifies the same way).
        TerminalNotLogin = "TERMINAL_NOT_LOGIN",
        /// No such payment (or refund).
        OrderNotExist = "DPOS_PAYMENT_ORDER_NOT_EXIST",
        /// The payment is not in a state that allows this.
        OrderStatusInvalid = "DPOS_PAYMENT_ORDER_STATUS_INVALID",
        /// The payment is closed.
        OrderIsClosed = "DPOS_PAYMENT_ORDER_IS_CLOSED",
        /// The payment was cancelled.
        OrderIsCanceled = "DPOS_PAYMENT_ORDER_IS_CANCELED",
        /// Same request id, different amount or currency.
        RepeatReqInconsistent = "DPOS_PAYMENT_REPEAT_REQ_INCONSISTENT",
        /// Currency not supported.
        CurrencyNotSupport = "DPOS_PAYMENT_CURRENCY_NOT_SUPPORT",
        /// Rejected by risk control.
        RiskReject = "DPOS_PAYMENT_RISK_REJECT",
        /// Access denied.
        AccessDenied = "DPOS_PAYMENT_ACCESS_DENIED",
        /// The merchant's status does not allow payments.
        InvalidMerchantStatus = "DPOS_PAYMENT_INVALID_MERCHANT_STATUS",
        /// Refund key not found.
        RefundKeyNotFound = "DPOS_REFUND_KEY_NOT_FOUND",
        /// System error on the payment platform.
        SystemError = "DPOS_SYSTEM_ERROR",
        /// USB: the device is not connected.
        DeviceNotConnect = "DEVICE_NOT_CONNECT",
        /// USB: the device did not answer in time; outcome unknown.
        TimeoutException = "TIMEOUT_EXCEPTION",
    }
}

wire_enum! {
    /// `paymentStatus` of inquiryPayment.
    PaymentStatusCode {
        /// Paid.
        Success = "SUCCESS",
        /// Not paid.
        Fail = "FAIL",
        /// Still running.
        Processing = "PROCESSING",
        /// Cancelled: not paid.
        Cancelled = "CANCELLED",
        /// Not final (one documentation version).
        Pending = "PENDING",
    }
}

wire_enum! {
    /// `refundStatus` of inquiryRefund.
    RefundStatusCode {
        /// Refunded.
        Success = "SUCCESS",
        /// Not refunded.
        Failed = "FAILED",
        /// Not final.
        Pending = "PENDING",
    }
}

/// What a `result` means for the call, once status and code are read together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallClass {
    /// The call did what was asked.
    Success,
    /// The call definitely did not; `retryable` when a later new attempt may work.
    Failed {
        /// Trying again later (as a new attempt) may work.
        retryable: bool,
    },
    /// Nobody knows yet: the attempt goes to recovery.
    Unknown,
}

/// What each known code implies on its own (`None` = only the status can tell).
fn implied(code: &ResultCode) -> Option<CallClass> {
    let failed = Some(CallClass::Failed { retryable: false });
    match code {
        ResultCode::Success => Some(CallClass::Success),
        ResultCode::PaymentInProgress
        | ResultCode::UnknownException
        | ResultCode::TimeoutException => Some(CallClass::Unknown),
        ResultCode::TerminalBusy => Some(CallClass::Failed { retryable: true }),
        ResultCode::ProcessFail
        | ResultCode::InvalidApi
        | ResultCode::ClientInvalid
        | ResultCode::InvalidSignature
        | ResultCode::InvalidEncryptData
        | ResultCode::MethodNotSupported
        | ResultCode::ParamIllegal
        | ResultCode::PaymentFail
        | ResultCode::TerminalNotLogin
        | ResultCode::OrderNotExist
        | ResultCode::OrderStatusInvalid
        | ResultCode::OrderIsClosed
        | ResultCode::OrderIsCanceled
        | ResultCode::RepeatReqInconsistent
        | ResultCode::CurrencyNotSupport
        | ResultCode::RiskReject
        | ResultCode::AccessDenied
        | ResultCode::InvalidMerchantStatus
        | ResultCode::RefundKeyNotFound
        | ResultCode::SystemError
        | ResultCode::DeviceNotConnect => failed,
        ResultCode::Unknown(_) => None,
    }
}

/// Classifies a call's `result` (§1.5).
///
/// Fail closed, never guess: only a recognised success code (`SUCCESS`) with `S` is a
/// success. A code this crate does not know follows its status only towards safety — `F`
/// failed, `U` unknown, and `S` *unknown* too, because counting an unrecognised code as paid
/// or refunded could book money the terminal never took; as unknown, the driver reconciles
/// (`inquiryPayment`, or a manager once the recovery window is spent). An unknown `F` code
/// stays a decline: taking it for one charges nothing, and the driver still confirms a
/// decline that names no request. A known code whose status contradicts it, or an unknown
/// status, is *unknown* as well.
pub fn classify(status: &ResultStatus, code: &ResultCode) -> CallClass {
    let by_status = match status {
        ResultStatus::S => CallClass::Success,
        ResultStatus::F => CallClass::Failed { retryable: false },
        ResultStatus::U | ResultStatus::Unknown(_) => return CallClass::Unknown,
    };
    match implied(code) {
        None if by_status == CallClass::Success => CallClass::Unknown,
        None => by_status,
        Some(CallClass::Unknown) => CallClass::Unknown,
        Some(CallClass::Success) if by_status == CallClass::Success => CallClass::Success,
        Some(CallClass::Failed { retryable }) if matches!(by_status, CallClass::Failed { .. }) => {
            CallClass::Failed { retryable }
        }
        Some(_) => CallClass::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(status: &str, code: &str) -> CallClass {
        classify(&ResultStatus::from(status), &ResultCode::from(code))
    }

    #[test]
    fn known_codes_round_trip_and_unknown_ones_are_kept() {
        assert_eq!(
            ResultCode::from("INVALID_ENCRPT_DATA"),
            ResultCode::InvalidEncryptData
        );
        assert_eq!(
            ResultCode::InvalidEncryptData.as_str(),
            "INVALID_ENCRPT_DATA"
        );
        let new = ResultCode::from("BRAND_NEW_CODE");
        assert_eq!(new, ResultCode::Unknown("BRAND_NEW_CODE".into()));
        assert_eq!(serde_json::to_string(&new).unwrap(), "\"BRAND_NEW_CODE\"");
        let s: PaymentStatusCode = serde_json::from_str("\"CANCELLED\"").unwrap();
        assert_eq!(s, PaymentStatusCode::Cancelled);
        let r: RefundStatusCode = serde_json::from_str("\"REVERSED\"").unwrap();
        assert_eq!(r, RefundStatusCode::Unknown("REVERSED".into()));
    }

    #[test]
    fn unknown_codes_fail_closed() {
        assert_eq!(c("U", "SOMETHING_NEW"), CallClass::Unknown);
        assert_eq!(
            c("F", "SOMETHING_NEW"),
            CallClass::Failed { retryable: false }
        );
        assert_eq!(
            c("S", "SOMETHING_NEW"),
            CallClass::Unknown,
            "an S with a code nobody recognises is not proof of payment"
        );
        assert_eq!(c("S", ""), CallClass::Unknown, "nor is an S with no code");
        assert_eq!(
            c("X", "SUCCESS"),
            CallClass::Unknown,
            "an unknown status is never final"
        );
    }

    #[test]
    fn known_codes_classify_as_documented() {
        assert_eq!(c("S", "SUCCESS"), CallClass::Success);
        assert_eq!(
            c("F", "PAYMENT_FAIL"),
            CallClass::Failed { retryable: false }
        );
        assert_eq!(
            c("F", "TERMINAL_BUSY"),
            CallClass::Failed { retryable: true }
        );
        assert_eq!(c("U", "PAYMENT_IN_PROGRESS"), CallClass::Unknown);
        assert_eq!(c("U", "UNKNOWN_EXCEPTION"), CallClass::Unknown);
        assert_eq!(c("U", "TIMEOUT_EXCEPTION"), CallClass::Unknown);
        assert_eq!(
            c("F", "DPOS_PAYMENT_REPEAT_REQ_INCONSISTENT"),
            CallClass::Failed { retryable: false }
        );
    }

    #[test]
    fn contradictions_are_unknown() {
        assert_eq!(c("F", "SUCCESS"), CallClass::Unknown);
        assert_eq!(c("S", "PAYMENT_FAIL"), CallClass::Unknown);
        // In progress is never final, whatever status came with it.
        assert_eq!(c("F", "PAYMENT_IN_PROGRESS"), CallClass::Unknown);
        assert_eq!(c("S", "PAYMENT_IN_PROGRESS"), CallClass::Unknown);
    }
}
