CREATE TABLE customers (
    id INT AUTO_INCREMENT PRIMARY KEY,
    email VARCHAR(200) NOT NULL,
    plan_id INT,
    CONSTRAINT fk_customers_plan FOREIGN KEY (plan_id) REFERENCES plans (id)
);
