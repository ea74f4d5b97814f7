-- The demo workbook: a real .xlsx, deterministic per seed.
SELECT substr(prodplan.demo_workbook(0.01, 42), 1, 4) = '\x504b0304'::bytea AS is_zip;
SELECT md5(prodplan.demo_workbook(0.01, 42)) = md5(prodplan.demo_workbook(0.01, 42)) AS deterministic;
SELECT md5(prodplan.demo_workbook(0.01, 42)) <> md5(prodplan.demo_workbook(0.01, 43)) AS seed_matters;
SELECT length(prodplan.demo_workbook(0.01, 42)) BETWEEN 50000 AND 5000000 AS plausible_size;
