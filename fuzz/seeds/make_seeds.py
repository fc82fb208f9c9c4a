#!/usr/bin/env python3
"""Writes the committed seed corpus of every fuzz target (fuzz/seeds/<target>/).

Seeds come from the protocol vectors (tests/vectors/vectors.json), the vendor samples in
the seeds documents, and hand-written answers that reach the approval paths. Run from the
repository root: `python3 fuzz/seeds/make_seeds.py` (needs `openssl` for one ECB body).
Deterministic: running it twice writes the same files.
"""
import base64
import hashlib
import json
import os
import subprocess
import struct
import sys
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "fuzz", "seeds")
VECTORS = os.path.join(ROOT, "..", "shared", "spec", "vectors", "vectors.json")
IOTPAY_DOC = os.path.join(ROOT, "..", "shared", "seeds", "004_95d392190db65394.txt")


def iotpay_sample():
    """The create_order result sample of the IOT Pay document, verbatim."""
    with open(IOTPAY_DOC, encoding="utf-8") as f:
        text = f.read()
    start = text.index("{", text.index("Result Sample"))
    obj, end = json.JSONDecoder().raw_decode(text, start)
    return text[start:end]


def write(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def compact(v):
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)


def main():
    with open(VECTORS) as f:
        vec = json.load(f)
    sign = vec["antom_sign"]
    env = vec["antom_envelope"]

    # Signature and Encrypt headers.
    for i, s in enumerate(sign):
        write("antom_signature_header", f"vector_{i}", s["signature_header"])
    write("antom_signature_header", "spaces_lower_hex", "algorithm=RSA256, keyVersion=1, signature=%2b%2f%2f%2b")
    write("antom_signature_header", "raw_base64", " signature = +//+ ,algorithm=RSA256")
    for i, e in enumerate(env):
        write("antom_encrypt_header", f"vector_{i}", e["encrypt_header"])
    write("antom_encrypt_header", "raw_padding", "algorithm=RSA_AES,keyVersion=1,symmetricKey=AQI=")

    # Envelope: body under the fixed key, header + body for the POS key, seal/open.
    resp = env[2]
    write("antom_envelope_body", "gcm_body", resp["body"].encode())
    key_hex = resp["aes_key_hex"]
    ecb = subprocess.run(
        ["openssl", "enc", "-aes-256-ecb", "-K", key_hex, "-nosalt"],
        input=resp["plaintext"].encode(), capture_output=True, check=True,
    ).stdout
    write("antom_envelope_body", "ecb_body", base64.b64encode(ecb))
    write("antom_envelope", "open_gcm", b"\x80" + resp["encrypt_header"].encode() + b"\n" + resp["body"].encode())
    write("antom_envelope", "open_ecb_wrong_profile", b"\x81" + env[0]["encrypt_header"].encode() + b"\n" + env[1]["body"].encode())
    write("antom_envelope", "seal_gcm", b"\xf0/v2/payments/pay\nN950SN0001\n2026-11-21T10:15:41.007+09:00")
    write("antom_envelope", "seal_ecb", b"\xf1" + resp["plaintext"].encode())

    # N950 answers (plaintext).
    ok = {"resultStatus": "S", "resultCode": "SUCCESS", "resultMessage": "success"}
    amount = {"value": 12500, "currency": "KRW"}
    receipt_copy = compact({
        "cardNo": "5411********0042", "cardBrand": "MASTERCARD", "approvalCode": "A1B2C3",
        "aid": "A0000000041010", "applicationLabel": "MASTERCARD",
        "applicationCryptogram": "8F1A2B3C4D5E6F70", "posEntryMode": "CHIP",
        "rrn": "612345678901", "expiryDate": "2912", "cvm": "PIN", "tvr": "0000008000"})
    pay_ok = {"result": ok, "paymentRequestId": "KS20261121A0001",
              "paymentId": "2026112119074101000000001", "paymentAmount": amount,
              "paymentTime": "2026-11-21T10:15:41+09:00",
              "paymentReceipt": {"cashierReceipt": receipt_copy, "customerReceipt": receipt_copy}}
    answers = {
        0: [("diagnosis_ready", {"result": ok, "networkStatus": "Y", "printerStatus": "N", "globalStatus": "Y"}),
            ("diagnosis_refused", {"result": {"resultStatus": "F", "resultCode": "CLIENT_INVALID", "resultMessage": "sn"}})],
        1: [("pay_ok", pay_ok),
            ("pay_vector", json.loads(sign[1]["body"])),
            ("pay_declined", {"result": {"resultStatus": "F", "resultCode": "PAYMENT_FAIL", "resultMessage": "declined"}, "paymentRequestId": "KS20261121A0001"}),
            ("pay_in_progress", {"result": {"resultStatus": "U", "resultCode": "PAYMENT_IN_PROGRESS", "resultMessage": ""}}),
            ("pay_busy", {"result": {"resultStatus": "F", "resultCode": "TERMINAL_BUSY", "resultMessage": ""}})],
        2: [("inquiry_ok", {"result": ok, "paymentRequestId": "KS20261121A0001", "paymentId": "2026112119074101000000001",
                            "paymentStatus": "SUCCESS", "paymentAmount": {"value": "12500", "currency": "krw"},
                            "paymentMethod": "CARD", "paymentCreateTime": "2026-11-21T10:15:31+09:00",
                            "paymentTime": "2026-11-21T10:15:41+09:00"}),
            ("inquiry_cancelled", {"result": ok, "paymentRequestId": "KS20261121A0001", "paymentStatus": "CANCELLED"}),
            ("inquiry_not_found", {"result": {"resultStatus": "F", "resultCode": "DPOS_PAYMENT_ORDER_NOT_EXIST", "resultMessage": ""}})],
        3: [("refund_ok", {"result": ok, "refundRequestId": "KR20261121A0001", "refundId": "2026112119074101000000009"}),
            ("refund_partial_ok", {"result": ok, "refundRequestId": "KR20261121A0001", "refundId": "2026112119074101000000009",
                                   "refundAmount": {"value": 5000, "currency": "KRW"}}),
            ("refund_declined", {"result": {"resultStatus": "F", "resultCode": "DPOS_PAYMENT_ORDER_STATUS_INVALID", "resultMessage": ""}})],
        4: [("inquiry_refund_ok", {"result": ok, "refundId": "2026112119074101000000009", "refundStatus": "SUCCESS",
                                   "refundTime": "2026-11-21T11:00:00+09:00", "paymentId": "2026112119074101000000001"}),
            ("inquiry_refund_failed", {"result": ok, "refundId": "2026112119074101000000009", "refundStatus": "FAILED"}),
            ("inquiry_refund_missing", {"result": {"resultStatus": "F", "resultCode": "DPOS_REFUND_KEY_NOT_FOUND", "resultMessage": ""}})],
        5: [("resent_refund_repeat", {"result": {"resultStatus": "F", "resultCode": "DPOS_PAYMENT_REPEAT_REQ_INCONSISTENT", "resultMessage": ""}}),
            ("resent_refund_ok", {"result": ok, "refundRequestId": "KR20261121A0001", "refundId": "R9"})],
    }
    for call, items in answers.items():
        for name, body in items:
            text = compact(body).encode()
            write("n950_response", name, text)
            write("n950_driver", name, bytes([call, 0x00]) + text)
            write("n950_driver", name + "_customer_mode_partial_ecb", bytes([call, 0x38]) + text)
    for flag, forgery in [(3, "flipped"), (4, "unsigned"), (5, "wrong_key"), (6, "no_time")]:
        write("n950_driver", f"pay_ok_{forgery}", bytes([1, flag]) + compact(pay_ok).encode())
    write("n950_response", "receipt_copy", receipt_copy)

    # KICC bridge lines.
    purchase = {
        "requestId": "KS1", "paymentAmount": {"value": "104", "currency": "KRW"},
        "taxAmount": {"value": "9", "currency": "KRW"}, "tipAmount": {"value": "0", "currency": "KRW"},
        "creditPayPlan": {"installmentNum": "0"},
        "result": {"resultCode": "SUCCESS", "resultMessage": "XXX"},
        "acquirerInfo": {"acquirerTransactionId": "T1", "acquirerApprovalNum": "A1", "acquirerName": "KICC",
                         "notice": " 매입사제출테스트 거래임", "acquirerMetaData": "ImNyZWRp", "signData": "SIGNATURE-IMAGE"},
        "paymentResultInfo": {"cardBin": "52364979", "paymentMethodId": "WALLET-BARCODE-1", "issuerCode": "BC",
                              "funding": "CREDIT", "paymentMethodRegion": "KR", "paymentMethodType": "CARD"}}
    last = dict(purchase, responseCommand="Purchase")
    cancel = dict(purchase, responseCommand="PurchaseCancel")
    lines = [
        {"type": "initResult", "id": "i1", "code": "INIT_SUCCESS", "message": ""},
        {"type": "event", "id": "c1", "code": "READY"},
        {"type": "event", "id": "c1", "code": "CARD_DETECTED"},
        {"type": "event", "id": "c1", "code": "CARD_READ_COMPLETED"},
        {"type": "event", "id": "c1", "code": "PENDING_SIGNATURE"},
        {"type": "event", "id": "c1", "code": "START_TRANSACTION"},
        {"type": "success", "id": "c1", "responseData": purchase},
    ]
    write("kicc_line", "purchase_flow", b"\x07" + b"\n".join(compact(l).encode() for l in lines) + b"\n")
    write("kicc_line", "last_transaction", b"\x1f" + compact({"type": "success", "id": "g1", "responseData": last}).encode() + b"\r\n")
    write("kicc_line", "last_cancel", b"\x40" + compact({"type": "success", "id": "g2", "responseData": cancel}).encode() + b"\n")
    write("kicc_line", "business_failed", b"\x03" + compact({"type": "businessFailed", "id": "c2", "responseData": {
        "requestId": "KS2", "result": {"resultCode": "USER_BALANCE_NOT_ENOUGH", "resultMessage": "no money"}}}).encode() + b"\n")
    write("kicc_line", "command_failed", b"\x05" + compact({"type": "commandFailed", "id": "c3", "errorCode": "CommandDeviceBusy", "errorMessage": "busy"}).encode() + b"\n\n" + b'{"type":"ping"}\n{"type":"telemetry","battery":80}\n')
    write("kicc_line", "response_data", b"\x11" + compact(last).encode())

    # IOT Pay answers and extra.
    sample_text = iotpay_sample()
    write("iotpay_response", "seed_declined_sample", sample_text)
    sample = json.loads(sample_text)
    approved_extra = ('{"cardType":"M","cardNum":"XXXXXXXXXXXX1166","expireDate":"1022","emvLabel":"MASTERCARD",'
                      '"emvAID":"A0000000041010","emvTVR":"0000008000","emvTSI":"0000","emvTC":"ARQC: 3D36ACBD44BE512B",'
                      '"termNum":"25957","bankTermNum":"40880013","termInvoiceNum":"724172","seqNum":"000001000061",'
                      '"authNum":"01046Z","batchNum":"0008","trxMethod":"T","accountType":"","receiptDisp":"000 Approved 00 Thank You",'
                      '"cashbackAmount":"","timeStamp":"20210120-19402057","surchargeAmount":"","langCode":"E",'
                      '"trxDate":"01202021","trxTime":"164033","cvmResults":"1F0302","trxCode":"00"}')
    paid = json.loads(sample_text)
    paid["payOrder"]["status"] = 2
    paid["payOrder"]["extra"] = approved_extra
    write("iotpay_response", "approved", compact(paid))
    write("iotpay_response", "refused", compact({"retCode": "FAIL", "retMsg": "signature fail"}))
    write("iotpay_extra", "approved", approved_extra)
    # Driver runs: flags (bit 0 inquiry first, bit 1/2 sign answer 1/2, bit 3 HTTP 500), answers split by 0xFF.
    refused = compact({"retCode": "FAIL", "retMsg": "signature fail"}).encode()
    no_order = compact({"retCode": "SUCCESS", "resCode": "FAIL", "retMsg": "order not exist"}).encode()
    write("iotpay_driver", "pay_declined_signed", b"\x02" + sample_text.encode())
    write("iotpay_driver", "pay_approved_signed", b"\x02" + compact(paid).encode())
    write("iotpay_driver", "pay_vendor_sign_then_query", b"\x04" + sample_text.encode() + b"\xff" + compact(paid).encode())
    write("iotpay_driver", "two_unverified_agree", b"\x01" + compact(paid).encode() + b"\xff" + compact(paid).encode())
    write("iotpay_driver", "query_not_found", b"\x03" + no_order)
    write("iotpay_driver", "pay_refused_signed", b"\x02" + refused)
    write("iotpay_driver", "pay_http_500", b"\x0a" + compact(paid).encode())
    write("iotpay_extra", "declined", sample["payOrder"]["extra"])
    write("iotpay_extra", "full_pan", '{"cardNum":"4111 1111 1111 1111","expireDate":"2912","authNum":123456}')

    # Configuration files.
    write("config_json", "antom", compact({
        "host": "192.168.0.50", "port": 8344, "client_id": "N950SN0001",
        "pos_key_path": "/etc/kassa/pos.pem", "terminal_key_path": "/etc/kassa/antom.pem",
        "envelope": "ecb", "customer_mode": True, "payment_method": "CARD",
        "timing": {"diagnose": {"secs": 15, "nanos": 0}, "pay": {"secs": 120, "nanos": 0},
                   "inquiry": {"secs": 15, "nanos": 0}, "refund": {"secs": 120, "nanos": 0},
                   "poll_interval": {"secs": 3, "nanos": 0}, "recovery_window": {"secs": 180, "nanos": 0}}}))
    write("config_json", "antom_minimal", compact({
        "host": "10.0.0.7", "client_id": "SN", "pos_key_path": "a", "terminal_key_path": "b"}))
    write("config_json", "kicc", compact({
        "host": "10.0.0.7", "port": 7800, "merchant_id": "M100", "acquirer_terminal_id": "0788888",
        "registration_no": "0216001234", "payment_expiry_secs": 30}))
    write("config_json", "iotpay", compact({
        "base_url": "https://api.iotpaycloud.com/v1/", "mch_id": "10000576", "job_no": "testpax",
        "device": "V1-B25", "key_file": "/etc/kassa/iotpay.key", "currency": "CAD"}))
    write("config_json", "iotpay_loopback", compact({
        "base_url": "http://[::1]:8080/v1", "mch_id": "1", "job_no": "j", "key_file": "k"}))
    write("config_json", "store_settings", compact({
        "name": "카페 Kassa", "address": "서울", "phone": "02-123-4567", "business_number": "2168112345",
        "receipt_footer": "감사합니다", "currency": "KRW",
        "tax_rates": [{"id": "vat", "label": "VAT 10%", "basis_points": 1000, "inclusive": True}]}))
    write("config_json", "secret_refused", compact({"host": "h", "merchant_key": "abc", "note": "-----BEGIN PRIVATE KEY-----"}))
    write("config_json", "base_url_text", "http://127.0.0.1:9/v1")
    with open(os.path.join(ROOT, "fuzz", "keys", "pos_public_key.pem")) as f:
        write("config_json", "pos_public_key.pem", f.read())

    # USB frames (docs/protocols.md §2.2): "KS" | 1 | kind | seq | header_len | body_len | header | body | crc32.
    def frame(kind, seq, header, body):
        h = compact(header).encode()
        raw = b"KS\x01" + bytes([kind]) + struct.pack(">III", seq, len(h), len(body)) + h + body
        return raw + struct.pack(">I", zlib.crc32(raw))
    req_header = {"path": "/v2/payments/pay", "Client-Id": "N950SN0001",
                  "Request-Time": "2026-11-21T10:15:30.123+09:00",
                  "Signature": sign[0]["signature_header"], "Encrypt": env[0]["encrypt_header"],
                  "Content-Type": "application/json; charset=UTF-8"}
    resp_header = dict(req_header, **{"Response-Time": "2026-11-21T10:15:41.007+09:00"})
    del resp_header["Request-Time"]
    request = frame(1, 7, req_header, env[0]["body"].encode())
    response = frame(2, 7, resp_header, env[2]["body"].encode())
    ping = frame(3, 8, {}, b"")
    write("usb_frame", "request", b"\x00" + request)
    write("usb_frame", "response", b"\x00" + response + b"KS-next")
    write("usb_frame", "framed_header", b"\x01\x01\x00\x00\x00\x07" + compact(resp_header).encode() + b"\x00" + env[2]["body"].encode())
    write("usb_frame", "framed_bad_header", b"\x01\x02\x00\x00\x00\x01" + b'{"a":12}' + b"\x00")
    write("usb_frame", "stream", b"\x02\x07" + b"\x00\xffK\x13noise K" + ping + request[:40] + response + b"K")
    return 0


if __name__ == "__main__":
    sys.exit(main())
