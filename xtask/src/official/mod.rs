//! The refresh from Losant's own API definition (the primary source), with
//! a baseline that moves fact by fact and a ledger that forgets nothing.
//!
//! [`source`] reads the definition, [`model`] turns it into operations and
//! definition [`shape`]s, [`facts`] flattens those into keyed facts, [`ours`]
//! reads our spec into the same keys, [`items`] compares the three (baseline,
//! Losant, ours) under the rules in [`tolerance`], [`merge`] writes the safe
//! items into our spec, [`ledger`] keeps the baseline and the pending and
//! decided items, [`run`] ties a refresh together and [`report`] prints it.
//! Offline, [`rebuild`] turns the baseline's facts back into a definition,
//! [`offline`] compares our spec with it, [`lint`] reports what nothing in
//! the ledger speaks for and [`decide`] records decisions.

pub mod decide;
pub mod facts;
pub mod items;
pub mod ledger;
pub mod lint;
pub mod merge;
pub mod model;
pub mod offline;
pub mod ours;
pub mod rebuild;
pub mod report;
pub mod run;
pub mod shape;
pub mod source;
pub mod tolerance;
