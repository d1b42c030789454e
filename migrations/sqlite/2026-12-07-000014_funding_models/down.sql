ALTER TABLE funding_commitments DROP COLUMN weeks_per_year;
ALTER TABLE funding_commitments DROP COLUMN hourly_rate_pence;
ALTER TABLE funding_commitments DROP COLUMN hours_tenths_per_week;
ALTER TABLE funding_commitments DROP COLUMN model;
