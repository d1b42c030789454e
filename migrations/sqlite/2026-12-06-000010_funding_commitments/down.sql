DROP TABLE funding_commitments;
