//! kassa-iotpay
