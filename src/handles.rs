//! Scoped handles: an application, a device or a recipe whose ids are filled
//! in for you. Each method returns the generated request builder, so every
//! optional parameter stays reachable; await the builder to send it.
//!
//! ```no_run
//! # async fn demo(client: losant_device::Client) -> Result<(), losant_device::Error> {
//! use losant_device::types::DeviceState;
//! let app = client.application("575ec8687ae143cd83dc4a97".parse()?);
//! let device = app.device("575ecf887ae143cd83dc4aa2".parse()?);
//! device.send_state(DeviceState::now().with("temp", 21.5)).await?;
//! let details = device.get().tags_as_object(true).await?;
//! # Ok(()) }
//! ```

use crate::ids::{ApplicationId, AttributeName, DeviceId, DeviceRecipeId};
use crate::{builder, types, Client};

impl Client {
    /// Requests scoped to one application.
    pub fn application(&self, id: ApplicationId) -> ApplicationHandle<'_> {
        ApplicationHandle { client: self, id }
    }
}

/// An application's devices and recipes; from [`Client::application`].
#[derive(Debug, Clone)]
pub struct ApplicationHandle<'a> {
    client: &'a Client,
    id: ApplicationId,
}

/// One device; from [`ApplicationHandle::device`].
#[derive(Debug, Clone)]
pub struct DeviceHandle<'a> {
    pub(crate) client: &'a Client,
    pub(crate) application: ApplicationId,
    pub(crate) id: DeviceId,
}

/// One device recipe; from [`ApplicationHandle::device_recipe`].
#[derive(Debug, Clone)]
pub struct DeviceRecipeHandle<'a> {
    client: &'a Client,
    application: ApplicationId,
    id: DeviceRecipeId,
}

macro_rules! scoped {
    ($(#[$doc:meta])* $name:ident => $operation:ident, app) => {
        $(#[$doc])*
        pub fn $name(&self) -> builder::$operation<'a> {
            builder::$operation::new(self.client).application_id(&self.id)
        }
    };
    ($(#[$doc:meta])* $name:ident => $operation:ident, device) => {
        $(#[$doc])*
        pub fn $name(&self) -> builder::$operation<'a> {
            builder::$operation::new(self.client)
                .application_id(&self.application)
                .device_id(&self.id)
        }
    };
    ($(#[$doc:meta])* $name:ident => $operation:ident, attribute) => {
        $(#[$doc])*
        pub fn $name(&self, name: AttributeName) -> builder::$operation<'a> {
            builder::$operation::new(self.client)
                .application_id(&self.application)
                .device_id(&self.id)
                .name(name)
        }
    };
    ($(#[$doc:meta])* $name:ident => $operation:ident, recipe) => {
        $(#[$doc])*
        pub fn $name(&self) -> builder::$operation<'a> {
            builder::$operation::new(self.client)
                .application_id(&self.application)
                .device_recipe_id(&self.id)
        }
    };
}

impl<'a> ApplicationHandle<'a> {
    /// The application id.
    pub fn id(&self) -> &ApplicationId {
        &self.id
    }

    /// Requests scoped to one device of this application.
    pub fn device(&self, id: DeviceId) -> DeviceHandle<'a> {
        DeviceHandle {
            client: self.client,
            application: self.id.clone(),
            id,
        }
    }

    /// Requests scoped to one device recipe of this application.
    pub fn device_recipe(&self, id: DeviceRecipeId) -> DeviceRecipeHandle<'a> {
        DeviceRecipeHandle {
            client: self.client,
            application: self.id.clone(),
            id,
        }
    }

    scoped!(/// Lists devices; see also `.stream()` and `.pages()`.
        list_devices => ListDevices, app);
    scoped!(/// Creates a device.
        create_device => CreateDevice, app);
    scoped!(/// Updates many devices at once (may answer with a queued job).
        update_devices => UpdateDevices, app);
    scoped!(/// Last known state of many devices; see also `.stream()`.
        composite_state => GetDevicesCompositeState, app);
    scoped!(/// Attribute names used by matching devices.
        attribute_names => GetDeviceAttributeNames, app);
    scoped!(/// Names of matching devices.
        device_names => GetDeviceNames, app);
    scoped!(/// Tag keys used by matching devices.
        tag_keys => GetDeviceTagKeys, app);
    scoped!(/// Values of one tag key among matching devices.
        tag_values => GetDeviceTagValues, app);
    scoped!(/// Deletes matching devices.
        delete_devices => DeleteDevices, app);
    scoped!(/// Restores recently deleted devices.
        restore_devices => RestoreDevices, app);
    scoped!(/// Removes stored data of matching devices.
        remove_devices_data => RemoveDevicesData, app);
    scoped!(/// Exports matching devices' data by e-mail or callback.
        export_devices => ExportDevices, app);
    scoped!(/// Exports payload counts of matching devices.
        export_payload_counts => ExportDevicesPayloadCounts, app);
    scoped!(/// Sends one command to many devices.
        send_devices_command => SendDevicesCommand, app);
    scoped!(/// Lists device recipes; see also `.stream()`.
        list_device_recipes => ListDeviceRecipes, app);
    scoped!(/// Creates a device recipe.
        create_device_recipe => CreateDeviceRecipe, app);
}

impl<'a> DeviceHandle<'a> {
    /// The device id.
    pub fn id(&self) -> &DeviceId {
        &self.id
    }

    /// The application id.
    pub fn application_id(&self) -> &ApplicationId {
        &self.application
    }

    scoped!(/// Reads the device.
        get => GetDevice, device);
    scoped!(/// Changes the device.
        update => UpdateDevice, device);
    scoped!(/// Deletes the device.
        delete => DeleteDevice, device);
    scoped!(/// Exports the device's data.
        export_data => ExportDeviceData, device);
    scoped!(/// Recent commands sent to the device.
        commands => GetDeviceCommands, device);
    scoped!(/// Last known value of each attribute.
        composite_state => GetDeviceCompositeState, device);
    scoped!(/// Connection log entries.
        log_entries => GetDeviceLogEntries, device);
    scoped!(/// Recent state reports.
        state => GetDeviceState, device);
    scoped!(/// Payload counts by kind.
        payload_counts => GetDevicePayloadCounts, device);
    scoped!(/// Payload counts per hour or day.
        payload_counts_breakdown => GetDevicePayloadCountsBreakdown, device);
    scoped!(/// Removes stored data in a time range.
        remove_data => RemoveDeviceData, device);
    scoped!(/// Marks the device connected or disconnected.
        set_connection_status => SetDeviceConnectionStatus, device);
    scoped!(/// The device's attribute definitions.
        attributes => ListDeviceAttributes, device);
    scoped!(/// Adds an attribute definition.
        create_attribute => CreateDeviceAttribute, device);

    /// Reports one state. Attribute names are checked before sending.
    pub fn send_state(&self, state: types::DeviceState) -> builder::SendDeviceState<'a> {
        self.send_state_body().body(state)
    }

    /// Reports many states in one request (an array body). An empty batch or
    /// an invalid attribute name is rejected before sending.
    pub fn send_states(
        &self,
        states: impl IntoIterator<Item = types::DeviceState>,
    ) -> builder::SendDeviceState<'a> {
        self.send_state_body()
            .body(states.into_iter().collect::<Vec<_>>())
    }

    fn send_state_body(&self) -> builder::SendDeviceState<'a> {
        builder::SendDeviceState::new(self.client)
            .application_id(&self.application)
            .device_id(&self.id)
    }

    /// Sends a command to the device.
    pub fn send_command(&self, command: types::DeviceCommand) -> builder::SendDeviceCommand<'a> {
        builder::SendDeviceCommand::new(self.client)
            .application_id(&self.application)
            .device_id(&self.id)
            .body(command)
    }

    scoped!(/// Reads one attribute definition.
        attribute => GetDeviceAttribute, attribute);
    scoped!(/// Changes one attribute definition.
        update_attribute => UpdateDeviceAttribute, attribute);
    scoped!(/// Removes one attribute definition.
        delete_attribute => DeleteDeviceAttribute, attribute);
}

impl<'a> DeviceRecipeHandle<'a> {
    /// The recipe id.
    pub fn id(&self) -> &DeviceRecipeId {
        &self.id
    }

    scoped!(/// Reads the recipe.
        get => GetDeviceRecipe, recipe);
    scoped!(/// Changes the recipe.
        update => UpdateDeviceRecipe, recipe);
    scoped!(/// Deletes the recipe.
        delete => DeleteDeviceRecipe, recipe);
    scoped!(/// Creates devices from the recipe (may answer with a queued job).
        bulk_create_devices => BulkCreateDevices, recipe);
}
