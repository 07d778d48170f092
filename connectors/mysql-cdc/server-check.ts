import type { BinlogConnection } from './client/binlog-client.ts';
import { serverSetupError } from './errors.ts';

/**
 * The server settings change data capture needs, each with what to set: checked at start so a
 * misconfigured server fails with a message rather than with missing or undecodable events.
 */
export async function checkServer(connection: BinlogConnection): Promise<{ rowMetadataFull: boolean }> {
  const rows = await connection.query<{ Variable_name: string; Value: unknown }>(
    "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('log_bin', 'binlog_format', 'binlog_row_image', 'binlog_row_metadata', 'log_bin_compress', 'binlog_row_value_options')",
  );
  const vars = new Map(rows.map((r) => [r.Variable_name.toLowerCase(), String(r.Value)]));
  const problems: string[] = [];
  if (vars.get('log_bin')?.toUpperCase() !== 'ON') problems.push('log_bin is OFF: start the server with --log-bin (binary logging) so changes are written to the binlog');
  const format = vars.get('binlog_format')?.toUpperCase();
  if (format !== 'ROW') problems.push(`binlog_format is ${format ?? 'unknown'}: set binlog_format=ROW, the only format that records the rows a statement changed`);
  const image = vars.get('binlog_row_image')?.toUpperCase();
  if (image !== undefined && image !== 'FULL') problems.push(`binlog_row_image is ${image}: set binlog_row_image=FULL so every event carries whole rows`);
  if (vars.get('log_bin_compress')?.toUpperCase() === 'ON') problems.push('log_bin_compress is ON: set it OFF (compressed MariaDB events are read, but Debezium requires it off and so does Brook, for the same events)');
  if (problems.length > 0) throw serverSetupError(`The server is not set up for change data capture: ${problems.join('; ')}.`);
  return { rowMetadataFull: vars.get('binlog_row_metadata')?.toUpperCase() === 'FULL' };
}

/** Whether the server still has a binlog file. */
export async function binlogExists(connection: BinlogConnection, file: string): Promise<boolean> {
  const logs = await connection.query<{ Log_name: string }>('SHOW BINARY LOGS');
  return logs.some((l) => l.Log_name === file);
}
