DROP TABLE proposed_placements;
