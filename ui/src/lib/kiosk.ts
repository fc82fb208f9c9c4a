// The kiosk's words, in Korean and English, for customers rather than cashiers, and its idle
// rule: the kiosk returns to the attract screen after a quiet spell, but never while a payment
// runs or waits for staff.

import type { Phase } from "./bindings";
import type { DialogState } from "./payment";

export type Lang = "ko" | "en";

type Words = Record<Lang, string>;

export const T = {
  touch: { ko: "화면을 터치하여 주문하세요", en: "Touch to order" },
  welcome: { ko: "어서 오세요", en: "Welcome" },
  all: { ko: "전체", en: "All" },
  cart: { ko: "주문 내역", en: "Your order" },
  empty: { ko: "메뉴를 골라 주세요", en: "Choose from the menu" },
  pay: { ko: "카드 결제", en: "Pay by card" },
  startOver: { ko: "처음으로", en: "Start over" },
  total: { ko: "합계", en: "Total" },
  cancel: { ko: "결제 취소", en: "Cancel payment" },
  approved: { ko: "결제가 완료되었습니다", en: "Payment complete" },
  thanks: { ko: "감사합니다. 영수증을 받아 가세요.", en: "Thank you! Please take your receipt." },
  declined: { ko: "결제가 승인되지 않았습니다", en: "Payment not approved" },
  declinedHint: { ko: "다른 카드로 다시 시도해 주세요.", en: "Please try again or use another card." },
  tryAgain: { ko: "다시 결제", en: "Try again" },
  backToMenu: { ko: "주문 수정", en: "Change order" },
  waitStaff: { ko: "잠시만 기다려 주세요", en: "Please wait" },
  waitStaffHint: {
    ko: "결제 결과를 확인하고 있습니다. 직원이 곧 도와드리겠습니다. 다시 결제하지 마세요.",
    en: "We are checking your payment. A staff member will help you shortly. Please do not pay again.",
  },
  noStart: { ko: "결제를 시작할 수 없습니다", en: "The payment could not start" },
  staffExit: { ko: "직원 전용: 키오스크 종료", en: "Staff only: leave kiosk mode" },
} satisfies Record<string, Words>;

/** A payment phase in a customer's words. */
export function kioskPhase(p: Phase, lang: Lang): string {
  const w = (ko: string, en: string) => (lang === "ko" ? ko : en);
  switch (p.phase) {
    case "diagnosing":
    case "device-initialising":
      return w("단말기를 준비하고 있습니다", "Getting the terminal ready");
    case "on-terminal":
      return w("단말기 화면의 안내를 따라 주세요", "Follow the instructions on the terminal");
    case "waiting-for-card":
      return w("카드를 넣거나 대 주세요", "Insert or tap your card");
    case "card-detected":
    case "card-read":
      return w("카드를 읽고 있습니다. 카드를 빼지 마세요", "Reading your card — please leave it in");
    case "signature":
      return w("단말기에 서명해 주세요", "Please sign on the terminal");
    case "authorising":
      return w("승인 중입니다", "Approving your payment");
    case "cancelling":
      return w("취소하고 있습니다", "Cancelling");
    case "instruction":
      switch (p.instruction) {
        case "fallback-magstripe":
          return w("카드를 긁어 주세요", "Please swipe your card");
        case "insert-card":
          return w("카드를 꽂아 주세요", "Please insert your card");
        case "try-again":
          return w("다시 시도해 주세요", "Please try again");
        case "card-missing":
          return w("카드를 다시 꽂아 주세요", "Please insert your card again");
      }
      break;
    case "recovering":
      return w("잠시만 기다려 주세요", "One moment please");
  }
  return w("결제 중입니다", "Payment in progress");
}

/** True when the idle timer may send the kiosk back to its attract screen. */
export function idleResetAllowed(d: DialogState): boolean {
  return d.kind === "idle" || d.kind === "approved" || d.kind === "declined" || d.kind === "error";
}
