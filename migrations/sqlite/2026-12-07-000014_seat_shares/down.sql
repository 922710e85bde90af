DROP TABLE retired_codes;
ALTER TABLE admissions DROP COLUMN sent_at;
ALTER TABLE admissions DROP COLUMN attendee_name;
ALTER TABLE admissions DROP COLUMN holder_email;
