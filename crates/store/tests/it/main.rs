//! Store behaviour on real SQLite files.

mod durability;
mod outbox;

use store::{NewListing, Price, Titles};

pub(crate) fn new_listing(title: &str, price: &str) -> NewListing {
    NewListing::new(Titles::from_single(title), Price::parse(price).unwrap()).unwrap()
}
