//! The organiser's desk: the dashboard's pages of events and the sales figures.

pub mod desk_pages;
pub mod sales;
