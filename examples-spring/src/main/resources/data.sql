-- What the shop sells; added once.
INSERT INTO shop_stock (item, price, quantity)
    SELECT 'book', 12.50, 1000 WHERE NOT EXISTS (SELECT 1 FROM shop_stock WHERE item = 'book');
INSERT INTO shop_stock (item, price, quantity)
    SELECT 'lamp', 40.00, 5 WHERE NOT EXISTS (SELECT 1 FROM shop_stock WHERE item = 'lamp');
