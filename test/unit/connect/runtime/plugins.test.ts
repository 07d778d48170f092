import test from 'ava';
import { Plugins } from '../../../../connect/runtime/plugins.ts';
import { fileSinkPlugin } from '../../../../connectors/file-sink/index.ts';
import { fileSourcePlugin } from '../../../../connectors/file-source/index.ts';
import { extractNewRecordStatePlugin, mysqlCdcPlugin, mysqlCdcTransformPlugins } from '../../../../connectors/mysql-cdc/index.ts';

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

test('transforms a connector brings are found by class and simple name and listed among the transformations, sorted', (t) => {
  const plugins = new Plugins([mysqlCdcPlugin], '1.2.3', mysqlCdcTransformPlugins);
  const unwrap = plugins.transformation('io.debezium.transforms.ExtractNewRecordState');
  t.is(unwrap?.type, 'transformation');
  t.is(plugins.transformation('ExtractNewRecordState'), unwrap);
  t.is(plugins.any('io.debezium.transforms.ExtractNewRecordState'), unwrap);
  const transformations = plugins.list(false).filter((p) => p.type === 'transformation').map((p) => p.class);
  t.true(transformations.includes('io.debezium.transforms.ExtractNewRecordState'));
  t.true(transformations.includes('org.apache.kafka.connect.transforms.ExtractField$Value'));
  t.deepEqual(transformations, [...transformations].sort((a, b) => a.localeCompare(b)));
  t.is(new Plugins([mysqlCdcPlugin], '1.2.3').transformation('io.debezium.transforms.ExtractNewRecordState'), undefined, 'only where the caller passes it');
});

test('a passed transform may not take the name of a built-in one', (t) => {
  const impostor = { ...extractNewRecordStatePlugin, aliases: ['Filter'] };
  t.throws(() => new Plugins([], '1.2.3', [impostor]), { message: /two transformation plugins are named "Filter"/ });
});
