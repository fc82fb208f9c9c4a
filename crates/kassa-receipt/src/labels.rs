//! Printed labels in English and Korean. Item names, the store's details and terminal texts
//! print as given; only these fixed words change with [`Language`].

use crate::model::{AttemptKind, CopyFor, Language, Tender};
use kassa_core::AttemptState;

/// Every fixed word a layout prints.
#[derive(Debug)]
pub(crate) struct Labels {
    pub lang: Language,
    pub business_no: &'static str,
    pub representative: &'static str,
    pub tel: &'static str,
    pub sale_title: &'static str,
    pub customer_copy: &'static str,
    pub merchant_copy: &'static str,
    pub date: &'static str,
    pub receipt_no: &'static str,
    pub cashier: &'static str,
    pub item: &'static str,
    pub qty: &'static str,
    pub unit_price: &'static str,
    pub amount: &'static str,
    pub subtotal: &'static str,
    pub tax: &'static str,
    pub tax_included: &'static str,
    pub total: &'static str,
    pub card: &'static str,
    pub wallet: &'static str,
    pub cash: &'static str,
    pub card_no: &'static str,
    pub approval_no: &'static str,
    pub entry: &'static str,
    pub installments: &'static str,
    pub lump_sum: &'static str,
    pub months: &'static str,
    pub aid: &'static str,
    pub app_label: &'static str,
    pub cryptogram: &'static str,
    pub reference: &'static str,
    pub terminal_ref: &'static str,
    pub terminal: &'static str,
    pub payment_ref: &'static str,
    pub received: &'static str,
    pub change: &'static str,
    pub signature: &'static str,
    pub thanks: &'static str,
    pub refund_title: &'static str,
    pub refund_no: &'static str,
    pub original_sale: &'static str,
    pub sale_date: &'static str,
    pub sale_amount: &'static str,
    pub refunded: &'static str,
    pub refunded_to: &'static str,
    pub reason: &'static str,
    pub manager: &'static str,
    pub wait_title: &'static str,
    pub wait_body: &'static str,
    pub wait_ref: &'static str,
    pub order_no: &'static str,
    pub kiosk: &'static str,
    pub z_title: &'static str,
    pub business_day: &'static str,
    pub printed: &'static str,
    pub printed_by: &'static str,
    pub payment: &'static str,
    pub refund: &'static str,
    pub sales: &'static str,
    pub refunds: &'static str,
    pub net: &'static str,
    pub unresolved: &'static str,
    pub none: &'static str,
    pub count_suffix: &'static str,
    pub test_title: &'static str,
    pub printer: &'static str,
    pub paper: &'static str,
    pub columns: &'static str,
    pub test_hangul: &'static str,
    pub test_check: &'static str,
    pub end: &'static str,
}

const EN: Labels = Labels {
    lang: Language::En,
    business_no: "Business no.",
    representative: "Owner",
    tel: "Tel",
    sale_title: "RECEIPT",
    customer_copy: "Customer copy",
    merchant_copy: "Merchant copy",
    date: "Date",
    receipt_no: "Receipt no.",
    cashier: "Cashier",
    item: "Item",
    qty: "Qty",
    unit_price: "Price",
    amount: "Amount",
    subtotal: "Subtotal",
    tax: "Tax",
    tax_included: "incl.",
    total: "TOTAL",
    card: "Card",
    wallet: "Wallet",
    cash: "Cash",
    card_no: "Card no.",
    approval_no: "Approval no.",
    entry: "Entry",
    installments: "Installments",
    lump_sum: "Lump sum",
    months: "months",
    aid: "AID",
    app_label: "Application",
    cryptogram: "TC",
    reference: "Reference",
    terminal_ref: "Terminal ref.",
    terminal: "Terminal",
    payment_ref: "Payment ref.",
    received: "Received",
    change: "Change",
    signature: "Signature",
    thanks: "Thank you for your visit",
    refund_title: "REFUND",
    refund_no: "Refund no.",
    original_sale: "Original sale",
    sale_date: "Sale date",
    sale_amount: "Sale amount",
    refunded: "REFUNDED",
    refunded_to: "Refunded to",
    reason: "Reason",
    manager: "Manager",
    wait_title: "PLEASE WAIT FOR STAFF",
    wait_body: "Your payment could not be confirmed yet. Please do not pay again: \
                a member of staff will check it with this slip.",
    wait_ref: "Payment ref.",
    order_no: "Order no.",
    kiosk: "Kiosk",
    z_title: "Z REPORT",
    business_day: "Business day",
    printed: "Printed",
    printed_by: "Printed by",
    payment: "Payment",
    refund: "Refund",
    sales: "SALES",
    refunds: "REFUNDS",
    net: "NET",
    unresolved: "UNRESOLVED ATTEMPTS",
    none: "None",
    count_suffix: " tx",
    test_title: "PRINTER TEST PAGE",
    printer: "Printer",
    paper: "Paper",
    columns: "columns",
    test_hangul: "Hangul: 가나다라마바사 아자차카타파하 한글 인쇄",
    test_check: "If every line is complete and the ruler reaches the right edge, \
                 the printer is set up correctly.",
    end: "END",
};

const KO: Labels = Labels {
    lang: Language::Ko,
    business_no: "사업자번호",
    representative: "대표자",
    tel: "전화",
    sale_title: "영수증",
    customer_copy: "고객용",
    merchant_copy: "가맹점용",
    date: "거래일시",
    receipt_no: "영수증번호",
    cashier: "계산원",
    item: "품목",
    qty: "수량",
    unit_price: "단가",
    amount: "금액",
    subtotal: "소계",
    tax: "부가세",
    tax_included: "포함",
    total: "합계",
    card: "신용카드",
    wallet: "간편결제",
    cash: "현금",
    card_no: "카드번호",
    approval_no: "승인번호",
    entry: "입력방식",
    installments: "할부",
    lump_sum: "일시불",
    months: "개월",
    aid: "AID",
    app_label: "카드종류",
    cryptogram: "TC",
    reference: "거래번호",
    terminal_ref: "단말기 거래ID",
    terminal: "단말기",
    payment_ref: "결제번호",
    received: "받은금액",
    change: "거스름돈",
    signature: "서명",
    thanks: "이용해 주셔서 감사합니다",
    refund_title: "환불 영수증",
    refund_no: "환불번호",
    original_sale: "원거래",
    sale_date: "원거래일시",
    sale_amount: "원거래금액",
    refunded: "환불금액",
    refunded_to: "환불수단",
    reason: "사유",
    manager: "담당자",
    wait_title: "직원을 기다려 주세요",
    wait_body: "결제 결과를 아직 확인하지 못했습니다. 다시 결제하지 마시고 \
                이 영수증을 직원에게 보여 주세요.",
    wait_ref: "결제 참조번호",
    order_no: "주문번호",
    kiosk: "키오스크",
    z_title: "일일 정산 (Z)",
    business_day: "영업일",
    printed: "출력일시",
    printed_by: "출력자",
    payment: "결제",
    refund: "환불",
    sales: "매출",
    refunds: "환불",
    net: "순매출",
    unresolved: "미확정 거래",
    none: "없음",
    count_suffix: "건",
    test_title: "프린터 테스트 페이지",
    printer: "프린터",
    paper: "용지",
    columns: "칸",
    test_hangul: "한글: 가나다라마바사 아자차카타파하 한글 인쇄",
    test_check: "모든 줄이 온전하고 눈금이 오른쪽 끝까지 보이면 프린터 설정이 올바릅니다.",
    end: "끝",
};

/// The labels of `lang`.
pub(crate) fn labels(lang: Language) -> &'static Labels {
    match lang {
        Language::En => &EN,
        Language::Ko => &KO,
    }
}

impl Labels {
    /// "Customer copy" / "Merchant copy".
    pub fn copy(&self, copy: CopyFor) -> &'static str {
        match copy {
            CopyFor::Customer => self.customer_copy,
            CopyFor::Merchant => self.merchant_copy,
        }
    }

    /// The tender's name.
    pub fn tender(&self, t: Tender) -> &'static str {
        match t {
            Tender::Card => self.card,
            Tender::Wallet => self.wallet,
            Tender::Cash => self.cash,
        }
    }

    /// Payment / refund.
    pub fn attempt_kind(&self, k: AttemptKind) -> &'static str {
        match k {
            AttemptKind::Payment => self.payment,
            AttemptKind::Refund => self.refund,
        }
    }

    /// An attempt state as a person reads it.
    pub fn state(&self, s: AttemptState) -> &'static str {
        let ko = self.lang == Language::Ko;
        match s {
            AttemptState::Created => {
                if ko {
                    "생성됨"
                } else {
                    "created"
                }
            }
            AttemptState::Sending => {
                if ko {
                    "전송 중"
                } else {
                    "sending"
                }
            }
            AttemptState::Awaiting => {
                if ko {
                    "응답 대기"
                } else {
                    "awaiting"
                }
            }
            AttemptState::Succeeded => {
                if ko {
                    "성공"
                } else {
                    "succeeded"
                }
            }
            AttemptState::Failed => {
                if ko {
                    "실패"
                } else {
                    "failed"
                }
            }
            AttemptState::Refused => {
                if ko {
                    "거절"
                } else {
                    "refused"
                }
            }
            AttemptState::Unknown => {
                if ko {
                    "확인 중"
                } else {
                    "unknown"
                }
            }
            AttemptState::NeedsManager => {
                if ko {
                    "관리자 확인"
                } else {
                    "needs manager"
                }
            }
        }
    }
}
