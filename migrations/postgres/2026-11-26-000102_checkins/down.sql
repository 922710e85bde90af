DROP TABLE checkin_log;
ALTER TABLE admissions DROP COLUMN checkin_nonce;
