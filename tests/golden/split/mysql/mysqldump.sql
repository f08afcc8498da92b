-- MySQL dump 10.13  Distrib 8.0.36
/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET NAMES utf8mb4 */;
/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;

--
-- Table structure for table `customers`
--

DROP TABLE IF EXISTS `customers`;
CREATE TABLE `customers` (
  `id` int NOT NULL AUTO_INCREMENT,
  `email` varchar(255) NOT NULL COMMENT 'it''s the login; unique',
  `note` text,
  PRIMARY KEY (`id`),
  UNIQUE KEY `email` (`email`(191))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 /*!50100 ROW_FORMAT=DYNAMIC */;

# a hash comment with an apostrophe: don't stop
INSERT INTO `customers` VALUES (1,'a@example.com','semi;colon \'quoted\''),(2,'b@example.com',NULL);

DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER `customers_bi` BEFORE INSERT ON `customers` FOR EACH ROW BEGIN
  SET NEW.email = LOWER(NEW.email);
END */;;
DELIMITER ;

DELIMITER //
CREATE PROCEDURE purge_old(IN days INT)
BEGIN
  IF days > 0 THEN
    DELETE FROM customers WHERE note = 'gone;';
  END IF;
END //
DELIMITER ;

CREATE FUNCTION plan_name(k INT) RETURNS varchar(20) DETERMINISTIC
BEGIN
  CASE k WHEN 1 THEN RETURN 'home'; ELSE RETURN 'business'; END CASE;
END;

/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;
