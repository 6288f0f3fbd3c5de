//! Server-sent event streams of a device's state and commands.
