/** The connector's version: source.version of every event, and the plugin's version. */
export const MYSQL_CDC_VERSION = '0.1.0';
