DROP TABLE box_office_sales;
DROP TABLE box_office_grants;
