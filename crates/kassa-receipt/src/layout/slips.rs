//! The kiosk's "please wait for staff" slip and the printer test page.

use super::{datetime, Paper, Sheet};
use crate::labels::Labels;
use crate::model::{KioskWaitSlip, StoreHeader, TestPage};
use crate::text;

/// Lays out the slip a kiosk prints when a payment's outcome is unknown. The attempt's
/// reference stands on its own line so staff can read or type it.
pub(super) fn kiosk_wait(sh: &mut Sheet, l: &Labels, store: &StoreHeader, w: &KioskWaitSlip) {
    sh.store_header(l, store);
    sh.blank();
    sh.center(l.wait_title);
    sh.blank();
    sh.rule('=');
    sh.left(l.wait_body);
    sh.rule('-');
    sh.left(l.wait_ref);
    sh.center(w.attempt_id.as_str());
    sh.rule('-');
    sh.kv(l.order_no, w.order_id.as_str());
    sh.kv(l.amount, &w.amount.display());
    sh.kv(l.terminal, &w.terminal);
    sh.kv(l.kiosk, &w.kiosk);
    sh.kv(l.date, &datetime(&w.at));
    sh.rule('=');
}

/// Lays out a printer's test page: what it is, a column ruler that must reach the right
/// edge, a full line of Hangul (two cells each), every printable ASCII character.
pub(super) fn test_page(
    sh: &mut Sheet,
    l: &Labels,
    store: &StoreHeader,
    t: &TestPage,
    paper: Paper,
) {
    sh.store_header(l, store);
    sh.center(l.test_title);
    sh.rule('-');
    sh.kv(l.printer, &t.printer);
    sh.kv(
        l.paper,
        &format!("{}, {} {}", paper.label(), sh.cols, l.columns),
    );
    sh.kv(l.date, &datetime(&t.at));
    sh.rule('-');
    let ruler: String = (1..=sh.cols)
        .map(|i| char::from_digit((i % 10) as u32, 10).unwrap_or('0'))
        .collect();
    sh.lines.push(ruler);
    let marks: String = (1..=sh.cols)
        .map(|i| {
            if i % 10 == 0 {
                '|'
            } else if i % 5 == 0 {
                '+'
            } else {
                '-'
            }
        })
        .collect();
    sh.lines.push(marks);
    sh.left(l.test_hangul);
    let syllables = ['가', '나', '다', '라', '마', '바', '사', '아'];
    let wide: String = syllables.iter().cycle().take(sh.cols / 2).collect();
    sh.lines.push(wide);
    let ascii: String = (0x21u8..=0x7e).map(char::from).collect();
    sh.lines.extend(text::wrap(&ascii, sh.cols));
    sh.rule('-');
    sh.left(l.test_check);
    sh.rule('=');
    sh.center(l.end);
}
