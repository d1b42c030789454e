-- Two funding models side by side: each commitment is on the band model (as every
-- commitment so far) or the hours model, whose top-up is worked from the hours a
-- week, the rate an hour and the weeks a year, kept here so a letter or a tribunal
-- bundle can show the sum.
ALTER TABLE funding_commitments ADD COLUMN model TEXT NOT NULL DEFAULT 'bands' CHECK (model IN ('bands', 'hours'));
ALTER TABLE funding_commitments ADD COLUMN hours_tenths_per_week INTEGER NULL CHECK (hours_tenths_per_week BETWEEN 1 AND 400);
ALTER TABLE funding_commitments ADD COLUMN hourly_rate_pence BIGINT NULL CHECK (hourly_rate_pence > 0);
ALTER TABLE funding_commitments ADD COLUMN weeks_per_year INTEGER NULL CHECK (weeks_per_year BETWEEN 1 AND 52);
