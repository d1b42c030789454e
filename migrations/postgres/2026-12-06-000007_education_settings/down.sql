DROP TABLE education_settings;
