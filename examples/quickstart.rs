//! Creates a device, reports its state, reads it back, sends it a command and
//! lists the application's devices.
//!
//! Runs against a local mock of the Losant API unless `LOSANT_API_TOKEN` and
//! `LOSANT_APPLICATION_ID` are set, in which case it uses the real API (and
//! creates a real device named "quickstart").

use futures::TryStreamExt;
use losant_device::types::{DeviceCommand, DevicePost, DeviceState};
use losant_device::{Client, Error};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let real = std::env::var("LOSANT_API_TOKEN")
        .ok()
        .zip(std::env::var("LOSANT_APPLICATION_ID").ok());
    let mock = if real.is_none() {
        Some(mock::start().await?)
    } else {
        None
    };
    let (base_url, token, application) = match (&real, &mock) {
        (Some((token, application)), _) => (
            "https://api.losant.com".to_string(),
            token.clone(),
            application.clone(),
        ),
        (None, Some(server)) => {
            println!(
                "LOSANT_API_TOKEN / LOSANT_APPLICATION_ID not set: using a local mock at {}",
                server.base_url()
            );
            (
                server.base_url(),
                "mock-token".to_string(),
                mock::APP.to_string(),
            )
        }
        (None, None) => unreachable!("a mock is started when no credentials are given"),
    };

    let client = Client::builder().base_url(base_url).token(token).build()?;
    let app = client.application(application.parse()?);

    let created = app
        .create_device()
        .body(
            DevicePost::builder()
                .name("quickstart")
                .device_class(losant_device::types::DeviceClass::Standalone),
        )
        .await?;
    let device_id = created
        .id
        .clone()
        .ok_or("Losant returned a device without id")?;
    println!(
        "created device {device_id} ({})",
        created.name.as_deref().unwrap_or("")
    );

    let device = app.device(device_id);
    device
        .send_state(
            DeviceState::now()
                .with("temperature", 21.5)
                .with("door", "open"),
        )
        .await?;
    println!("sent state temperature=21.5 door=open");

    let state = device.composite_state().await?;
    for (attribute, entry) in state.iter() {
        println!("composite state: {attribute} = {:?}", entry.value);
    }

    device
        .send_command(
            DeviceCommand::named("blink").with_payload(&serde_json::json!({ "times": 3 }))?,
        )
        .await?;
    println!("sent command blink");

    let devices: Vec<_> = app
        .list_devices()
        .per_page(100)
        .stream()
        .try_collect()
        .await?;
    for listed in &devices {
        println!("listed device {}", listed.name.as_deref().unwrap_or("?"));
    }

    match device.attribute("no-such-attribute".parse()?).await {
        Err(Error::Api { status, kind, .. }) => {
            println!("reading a missing attribute: HTTP {status} {kind:?}")
        }
        other => println!("reading a missing attribute: {other:?}"),
    }
    Ok(())
}

/// A local stand-in for the Losant API, answering just what this example asks,
/// written with the crate's typed mocks (the `mock` feature, on for examples).
mod mock {
    use httpmock::MockServer;
    use losant_device::mock::MockServerExt;
    use losant_device::types::{CompositeDeviceState, Device, Devices, Success};
    use losant_device::{ApplicationId, AttributeName, DeviceId};
    use serde_json::json;

    pub const APP: &str = "575ec8687ae143cd83dc4a97";
    const DEVICE: &str = "575ecf887ae143cd83dc4aa2";

    pub async fn start() -> Result<MockServer, Box<dyn std::error::Error>> {
        let server = MockServer::start_async().await;
        let app: ApplicationId = APP.parse()?;
        let device: DeviceId = DEVICE.parse()?;
        let missing: AttributeName = "no-such-attribute".parse()?;
        let record: Device = serde_json::from_value(json!({
            "id": DEVICE, "deviceId": DEVICE, "applicationId": APP, "name": "quickstart",
            "deviceClass": "standalone", "tags": [], "attributes": []
        }))?;
        let composite: CompositeDeviceState = serde_json::from_value(json!({
            "temperature": {"value": 21.5, "time": "2026-11-26T00:00:00.000Z"},
            "door": {"value": "open", "time": "2026-11-26T00:00:00.000Z"}
        }))?;
        let listed: Devices = serde_json::from_value(json!({
            "items": [&record], "count": 1, "totalCount": 1, "page": 0, "perPage": 100
        }))?;
        let success: Success = serde_json::from_value(json!({ "success": true }))?;

        server.create_device(|when, then| {
            when.application_id(&app);
            then.created(&record);
        });
        server.send_device_state(|when, then| {
            when.application_id(&app).device_id(&device);
            then.ok(&success);
        });
        server.get_device_composite_state(|when, then| {
            when.application_id(&app).device_id(&device);
            then.ok(&composite);
        });
        server.send_device_command(|when, then| {
            when.application_id(&app).device_id(&device);
            then.ok(&success);
        });
        server.list_devices(|when, then| {
            when.application_id(&app).per_page(100);
            then.ok(&listed);
        });
        server.get_device_attribute(|when, then| {
            when.application_id(&app).device_id(&device).name(&missing);
            then.losant_error(404, "NotFound", "Device attribute was not found");
        });
        Ok(server)
    }
}
