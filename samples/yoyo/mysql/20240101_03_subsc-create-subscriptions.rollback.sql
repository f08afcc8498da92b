-- create subscriptions

DROP TABLE subscriptions;
