import test from 'ava';
import { Plugins } from '../../../../connect/runtime/plugins.ts';
import { fileSinkPlugin } from '../../../../connectors/file-sink/index.ts';
import { fileSourcePlugin } from '../../../../connectors/file-source/index.ts';
import { mysqlCdcPlugin } from '../../../../connectors/mysql-cdc/index.ts';

test('connectors are listed under every Java class they answer to, sorted; each of those names finds the plugin', (t) => {
  const plugins = new Plugins([fileSourcePlugin, fileSinkPlugin, mysqlCdcPlugin], '1.2.3');
  const listed = plugins.list(true);
  t.deepEqual(
    listed.map((p) => [p.class, p.type]),
    [
      ['io.debezium.connector.mariadb.MariaDbConnector', 'source'],
      ['io.debezium.connector.mysql.MySqlConnector', 'source'],
      ['org.apache.kafka.connect.file.FileStreamSinkConnector', 'sink'],
      ['org.apache.kafka.connect.file.FileStreamSourceConnector', 'source'],
    ],
  );
  for (const p of listed) t.is(plugins.connector(p.class)?.className, p.class.includes('debezium') ? 'mysql-cdc' : p.class.includes('Sink') ? 'file-sink' : 'file-source');
});
