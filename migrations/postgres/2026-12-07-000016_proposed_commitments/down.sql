DROP TABLE proposed_commitments;
