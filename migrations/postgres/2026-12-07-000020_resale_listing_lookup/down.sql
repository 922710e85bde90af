DROP INDEX resale_listings_ticket;
