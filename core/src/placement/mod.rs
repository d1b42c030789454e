//! Placements: the register of education settings an authority places children in,
//! the placement decisions that name one, the band and funding committed for each,
//! and the ledger of that money per financial year.

pub mod decision;
pub mod funding;
pub mod ledger;
pub mod register;
