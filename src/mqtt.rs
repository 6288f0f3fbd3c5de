//! A device-side MQTT connection to Losant's broker.
