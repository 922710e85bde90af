DROP TABLE door_grants;
