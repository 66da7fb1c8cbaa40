-- Who did the work (issue 20, SPEC §5a): the sales clerk (销售内勤) who received, entered,
-- followed up or filed a customer archive, an order or a contract, beside the rep who owns it.
-- The clerk's indicators read the records they handled (`count(orders handled …)`).
ALTER TABLE customers ADD COLUMN handled_by BIGINT REFERENCES employees(id);
ALTER TABLE orders ADD COLUMN handled_by BIGINT REFERENCES employees(id);
ALTER TABLE contracts ADD COLUMN handled_by BIGINT REFERENCES employees(id);
