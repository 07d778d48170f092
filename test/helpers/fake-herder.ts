// An in-memory Herder that answers as Kafka Connect's does (the same status codes and, where
// scripts match on them, the same messages), for REST tests that need no worker. Connectors do
// not run: a connector is RUNNING as soon as it is created, unless a test fails it.
import { HerderError, HerderErrorCode } from '../../connect/runtime/index.ts';
import { connectorNotFound, taskNotFound } from '../../connect/runtime/herder-error.ts';
import type {
  ActiveTopics,
  ConfigInfos,
  ConfigKeyInfo,
  ConnectorConfig,
  ConnectorExpanded,
  ConnectorInfo,
  ConnectorOffset,
  ConnectorOffsets,
  ConnectorStateInfo,
  ConnectorState,
  ExpandOption,
  Herder,
  InitialState,
  Message,
  PluginInfo,
  RestartOptions,
  ServerInfo,
  TargetState,
  TaskInfo,
  TaskStatusEntry,
} from '../../connect/runtime/index.ts';

export const FAKE_WORKER_ID = '127.0.0.1:8083';
export const FAKE_SERVER_INFO: ServerInfo = { version: '0.1.0', commit: 'fake', kafka_cluster_id: 'fake-cluster' };

interface FakePlugin {
  readonly info: PluginInfo;
  readonly aliases: readonly string[];
  readonly definitions: readonly ConfigKeyInfo[];
}

function key(name: string, type: string, required: boolean, documentation: string, defaultValue: string | null = null): ConfigKeyInfo {
  return {
    name,
    type,
    required,
    default_value: defaultValue,
    importance: required ? 'HIGH' : 'MEDIUM',
    documentation,
    group: 'Common',
    order_in_group: 0,
    width: 'NONE',
    display_name: name,
    dependents: [],
  };
}

const COMMON_KEYS = [
  key('name', 'STRING', true, 'Globally unique name to use for this connector.'),
  key('connector.class', 'STRING', true, 'Name or alias of the class for this connector.'),
  key('tasks.max', 'INT', false, 'Maximum number of tasks to use for this connector.', '1'),
];

/** What the fake worker can run: Kafka's FileStream connectors, as Brook's registry names them. */
const PLUGINS: readonly FakePlugin[] = [
  {
    info: { class: 'org.apache.kafka.connect.file.FileStreamSourceConnector', type: 'source', version: '0.1.0' },
    aliases: ['FileStreamSource', 'FileStreamSourceConnector', 'file-source'],
    definitions: [...COMMON_KEYS, key('file', 'STRING', true, 'Source filename.'), key('topic', 'STRING', true, 'The topic to publish data to.')],
  },
  {
    info: { class: 'org.apache.kafka.connect.file.FileStreamSinkConnector', type: 'sink', version: '0.1.0' },
    aliases: ['FileStreamSink', 'FileStreamSinkConnector', 'file-sink'],
    definitions: [...COMMON_KEYS, key('topics', 'LIST', true, 'Topics to consume.'), key('file', 'STRING', true, 'Destination filename.'), key('file.password', 'PASSWORD', false, 'A secret, masked in answers.')],
  },
];

const OTHER_PLUGINS: readonly PluginInfo[] = [
  { class: 'org.apache.kafka.connect.transforms.InsertField$Value', type: 'transformation', version: '0.1.0' },
  { class: 'org.apache.kafka.connect.json.JsonConverter', type: 'converter', version: '0.1.0' },
];

interface FakeConnector {
  config: Record<string, string>;
  plugin: FakePlugin;
  target: TargetState;
  failed: boolean;
  tasks: { state: ConnectorState; trace?: string }[];
  offsets: ConnectorOffset[];
  topics: string[];
}

export interface FakeHerderOptions {
  /** Kafka's `topic.tracking.allow.reset`; false makes PUT /topics/reset a 403. */
  readonly topicTrackingAllowReset?: boolean;
}

/** One herder call as the REST layer made it, for tests that check what a route passed on. */
export interface FakeHerderCall {
  readonly method: keyof Herder;
  readonly args: readonly unknown[];
}

export class FakeHerder implements Herder {
  readonly calls: FakeHerderCall[] = [];
  private readonly connectorsByName = new Map<string, FakeConnector>();
  private readonly allowReset: boolean;
  private nextFailure: Error | undefined;

  constructor(options: FakeHerderOptions = {}) {
    this.allowReset = options.topicTrackingAllowReset ?? true;
  }

  /** The next call rejects with `error` (a HerderError for a status, anything else for a fault). */
  failNextCall(error: Error): void {
    this.nextFailure = error;
  }

  /** Marks a task FAILED with a trace, as a worker would report a crash. */
  failTask(name: string, task: number, trace = 'java.lang.RuntimeException: boom'): void {
    const entry = this.connectorsByName.get(name)!.tasks[task]!;
    entry.state = 'FAILED';
    entry.trace = trace;
  }

  failConnector(name: string): void {
    this.connectorsByName.get(name)!.failed = true;
  }

  /** Gives a connector offsets and active topics, as running tasks would. */
  recordActivity(name: string, offsets: readonly ConnectorOffset[], topics: readonly string[]): void {
    const connector = this.connectorsByName.get(name)!;
    connector.offsets = [...offsets];
    connector.topics = [...topics];
  }

  private call(method: keyof Herder, ...args: unknown[]): void {
    this.calls.push({ method, args });
    const failure = this.nextFailure;
    if (failure !== undefined) {
      this.nextFailure = undefined;
      throw failure;
    }
  }

  private get(name: string): FakeConnector {
    const connector = this.connectorsByName.get(name);
    if (connector === undefined) throw connectorNotFound(name);
    return connector;
  }

  async serverInfo(): Promise<ServerInfo> {
    this.call('serverInfo');
    return FAKE_SERVER_INFO;
  }

  async connectors(): Promise<string[]> {
    this.call('connectors');
    return [...this.connectorsByName.keys()].sort();
  }

  async connectorsExpanded(expand: readonly ExpandOption[]): Promise<Record<string, ConnectorExpanded>> {
    this.call('connectorsExpanded', expand);
    const result: Record<string, ConnectorExpanded> = {};
    for (const name of [...this.connectorsByName.keys()].sort()) {
      result[name] = {
        ...(expand.includes('status') ? { status: this.statusOf(name) } : {}),
        ...(expand.includes('info') ? { info: this.infoOf(name) } : {}),
      };
    }
    return result;
  }

  async createConnector(name: string, config: Readonly<Record<string, unknown>>, initialState?: InitialState): Promise<ConnectorInfo> {
    this.call('createConnector', name, config, initialState);
    checkName(name);
    if (this.connectorsByName.has(name)) throw new HerderError(HerderErrorCode.ALREADY_EXISTS, `Connector ${name} already exists`);
    const target: TargetState = initialState === 'PAUSED' ? 'PAUSED' : initialState === 'STOPPED' ? 'STOPPED' : 'STARTED';
    this.store(name, config, target);
    return this.infoOf(name);
  }

  async putConnectorConfig(name: string, config: Readonly<Record<string, unknown>>): Promise<{ readonly created: boolean; readonly info: ConnectorInfo }> {
    this.call('putConnectorConfig', name, config);
    checkName(name);
    const existing = this.connectorsByName.get(name);
    this.store(name, config, existing?.target ?? 'STARTED');
    return { created: existing === undefined, info: this.infoOf(name) };
  }

  async patchConnectorConfig(name: string, patch: Readonly<Record<string, unknown>>): Promise<ConnectorInfo> {
    this.call('patchConnectorConfig', name, patch);
    const merged = Object.entries({ ...this.get(name).config, ...patch }).filter(([, v]) => v !== null);
    this.store(name, Object.fromEntries(merged), this.get(name).target);
    return this.infoOf(name);
  }

  async connectorInfo(name: string): Promise<ConnectorInfo> {
    this.call('connectorInfo', name);
    return this.infoOf(name);
  }

  async connectorConfig(name: string): Promise<ConnectorConfig> {
    this.call('connectorConfig', name);
    return this.infoOf(name).config;
  }

  async connectorStatus(name: string): Promise<ConnectorStateInfo> {
    this.call('connectorStatus', name);
    return this.statusOf(name);
  }

  async taskConfigs(name: string): Promise<TaskInfo[]> {
    this.call('taskConfigs', name);
    const info = this.infoOf(name);
    return info.tasks.map((id) => ({ id, config: { 'task.class': `${info.config['connector.class']!}Task`, ...pick(info.config, ['file', 'topic', 'topics']) } }));
  }

  async connectorActiveTopics(name: string): Promise<ActiveTopics> {
    this.call('connectorActiveTopics', name);
    return { [name]: { topics: [...this.get(name).topics] } };
  }

  async resetConnectorActiveTopics(name: string): Promise<void> {
    this.call('resetConnectorActiveTopics', name);
    if (!this.allowReset) throw new HerderError(HerderErrorCode.FORBIDDEN, 'Topic tracking reset is disabled.');
    this.get(name).topics = [];
  }

  async restartConnector(name: string, options: RestartOptions): Promise<ConnectorStateInfo | undefined> {
    this.call('restartConnector', name, options);
    const connector = this.get(name);
    if (!options.includeTasks && !options.onlyFailed) {
      connector.failed = false;
      return undefined;
    }
    // Kafka answers with what it is about to restart marked RESTARTING.
    const restartConnector = !options.onlyFailed || connector.failed;
    const status = this.statusOf(name);
    const restarting: ConnectorStateInfo = {
      ...status,
      connector: restartConnector ? { state: 'RESTARTING', worker_id: FAKE_WORKER_ID } : status.connector,
      tasks: status.tasks.map((task) =>
        options.includeTasks && (!options.onlyFailed || task.state === 'FAILED') ? { id: task.id, state: 'RESTARTING', worker_id: FAKE_WORKER_ID } : task,
      ),
    };
    if (restartConnector) connector.failed = false;
    for (const task of restarting.tasks) {
      if (task.state === 'RESTARTING') connector.tasks[task.id] = { state: 'RUNNING' };
    }
    return restarting;
  }

  async pauseConnector(name: string): Promise<void> {
    this.call('pauseConnector', name);
    this.setTarget(name, 'PAUSED');
  }

  async resumeConnector(name: string): Promise<void> {
    this.call('resumeConnector', name);
    this.setTarget(name, 'STARTED');
  }

  async stopConnector(name: string): Promise<void> {
    this.call('stopConnector', name);
    this.setTarget(name, 'STOPPED');
  }

  async deleteConnector(name: string): Promise<void> {
    this.call('deleteConnector', name);
    this.get(name);
    this.connectorsByName.delete(name);
  }

  async taskStatus(name: string, task: number): Promise<TaskStatusEntry> {
    this.call('taskStatus', name, task);
    const entry = this.statusOf(name).tasks.find((t) => t.id === task);
    if (entry === undefined) throw taskNotFound(name, task);
    return entry;
  }

  async restartTask(name: string, task: number): Promise<void> {
    this.call('restartTask', name, task);
    const connector = this.get(name);
    if (connector.target === 'STOPPED' || connector.tasks[task] === undefined) throw taskNotFound(name, task);
    connector.tasks[task] = { state: 'RUNNING' };
  }

  async connectorOffsets(name: string): Promise<ConnectorOffsets> {
    this.call('connectorOffsets', name);
    return { offsets: [...this.get(name).offsets] };
  }

  async alterConnectorOffsets(name: string, offsets: ConnectorOffsets): Promise<Message> {
    this.call('alterConnectorOffsets', name, offsets);
    const connector = this.stoppedForOffsets(name);
    for (const change of offsets.offsets) {
      const same = (o: ConnectorOffset): boolean => JSON.stringify(o.partition) === JSON.stringify(change.partition);
      connector.offsets = connector.offsets.filter((o) => !same(o));
      if (change.offset !== null) connector.offsets.push(change);
    }
    return { message: 'The offsets for this connector have been altered successfully' };
  }

  async resetConnectorOffsets(name: string): Promise<Message> {
    this.call('resetConnectorOffsets', name);
    this.stoppedForOffsets(name).offsets = [];
    return { message: 'The offsets for this connector have been reset successfully' };
  }

  async connectorPlugins(connectorsOnly: boolean): Promise<PluginInfo[]> {
    this.call('connectorPlugins', connectorsOnly);
    const connectors = PLUGINS.map((p) => p.info);
    return connectorsOnly ? connectors : [...connectors, ...OTHER_PLUGINS];
  }

  async connectorPluginConfig(plugin: string): Promise<ConfigKeyInfo[]> {
    this.call('connectorPluginConfig', plugin);
    return pluginNamed(plugin).definitions.filter((d) => !COMMON_KEYS.includes(d));
  }

  async validateConnectorConfig(plugin: string, config: Readonly<Record<string, unknown>>): Promise<ConfigInfos> {
    this.call('validateConnectorConfig', plugin, config);
    const found = pluginNamed(plugin);
    const named = stringify(config)['connector.class'];
    if (named !== undefined && pluginFor(named) !== found) {
      throw new HerderError(HerderErrorCode.BAD_REQUEST, `Included connector type ${named} does not match request type ${plugin}`);
    }
    const values: Record<string, string> = { ...stringify(config), 'connector.class': plugin };
    const configs = found.definitions.map((definition) => {
      const value = values[definition.name] ?? definition.default_value;
      const errors = definition.required && value === null ? [`Missing required configuration "${definition.name}" which has no default value.`] : [];
      return {
        definition,
        value: { name: definition.name, value: definition.type === 'PASSWORD' && value !== null ? '[hidden]' : value, recommended_values: [], errors, visible: true },
      };
    });
    return { name: found.info.class, error_count: configs.reduce((n, c) => n + c.value.errors.length, 0), groups: ['Common'], configs };
  }

  private store(name: string, raw: Readonly<Record<string, unknown>>, target: TargetState): void {
    const config = stringify(raw);
    if (config['name'] !== undefined && config['name'] !== name) {
      throw new HerderError(HerderErrorCode.BAD_REQUEST, `Connector name configuration (${config['name']}) doesn't match connector name in the URL (${name})`);
    }
    config['name'] = name;
    const className = config['connector.class'];
    if (className === undefined) {
      throw new HerderError(HerderErrorCode.BAD_REQUEST, 'Connector config {} contains no connector type'.replace('{}', JSON.stringify(config)));
    }
    const plugin = pluginFor(className);
    if (plugin === undefined) {
      throw new HerderError(HerderErrorCode.BAD_REQUEST, `Failed to find any class that implements Connector and which name matches ${className}`);
    }
    const missing = plugin.definitions.filter((d) => d.required && config[d.name] === undefined).map((d) => d.name);
    const tasksMax = Number(config['tasks.max'] ?? '1');
    const errors = [
      ...missing.map((m) => `${m}: Missing required configuration "${m}" which has no default value.`),
      ...(Number.isInteger(tasksMax) && tasksMax >= 1 ? [] : [`tasks.max: Invalid value ${config['tasks.max']!}: must be at least 1`]),
    ];
    if (errors.length > 0) {
      throw new HerderError(
        HerderErrorCode.BAD_REQUEST,
        `Connector configuration is invalid and contains the following ${errors.length} error(s):\n${errors.join('\n')}\nYou can also find the above list of errors at the endpoint \`/connector-plugins/{connectorType}/config/validate\``,
      );
    }
    const previous = this.connectorsByName.get(name);
    this.connectorsByName.set(name, {
      config,
      plugin,
      target,
      failed: false,
      tasks: Array.from({ length: plugin.info.type === 'source' ? 1 : tasksMax }, () => ({ state: 'RUNNING' })),
      offsets: previous?.offsets ?? [],
      topics: previous?.topics ?? [],
    });
  }

  private setTarget(name: string, target: TargetState): void {
    const connector = this.get(name);
    connector.target = target;
  }

  private stoppedForOffsets(name: string): FakeConnector {
    const connector = this.get(name);
    if (connector.target !== 'STOPPED') {
      throw new HerderError(
        HerderErrorCode.BAD_REQUEST,
        `Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/${name}/stop' endpoint`,
      );
    }
    return connector;
  }

  private infoOf(name: string): ConnectorInfo {
    const connector = this.get(name);
    const config: Record<string, string> = {};
    for (const [k, v] of Object.entries(connector.config)) {
      config[k] = connector.plugin.definitions.find((d) => d.name === k)?.type === 'PASSWORD' ? '[hidden]' : v;
    }
    const tasks = connector.target === 'STOPPED' ? [] : connector.tasks.map((_, task) => ({ connector: name, task }));
    return { name, config, tasks, type: connector.plugin.info.type === 'sink' ? 'sink' : 'source' };
  }

  private statusOf(name: string): ConnectorStateInfo {
    const connector = this.get(name);
    const state = (running: ConnectorState): ConnectorState =>
      connector.target === 'PAUSED' ? 'PAUSED' : connector.target === 'STOPPED' ? 'STOPPED' : running;
    return {
      name,
      connector: connector.failed ? { state: 'FAILED', worker_id: FAKE_WORKER_ID, trace: 'java.lang.RuntimeException: connector failed' } : { state: state('RUNNING'), worker_id: FAKE_WORKER_ID },
      tasks:
        connector.target === 'STOPPED'
          ? []
          : connector.tasks.map((task, id) => ({
              id,
              state: task.state === 'FAILED' ? 'FAILED' : state(task.state),
              worker_id: FAKE_WORKER_ID,
              ...(task.trace === undefined ? {} : { trace: task.trace }),
            })),
      type: connector.plugin.info.type === 'sink' ? 'sink' : 'source',
    };
  }
}

function checkName(name: string): void {
  if (name.trim() === '') throw new HerderError(HerderErrorCode.BAD_REQUEST, 'Connector name cannot be empty');
  if (name.includes('/')) throw new HerderError(HerderErrorCode.BAD_REQUEST, "connector name should not contain '/'");
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new HerderError(HerderErrorCode.BAD_REQUEST, 'Connector name cannot contain ISO control characters');
}

function pluginFor(className: string): FakePlugin | undefined {
  return PLUGINS.find((p) => p.info.class === className || p.aliases.includes(className));
}

function pluginNamed(plugin: string): FakePlugin {
  const found = pluginFor(plugin);
  if (found === undefined) throw new HerderError(HerderErrorCode.NOT_FOUND, `Unknown plugin ${plugin}.`);
  return found;
}

/** Kafka's configs are string maps; numbers and booleans sent in JSON become their text. */
function stringify(config: Readonly<Record<string, unknown>>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) result[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return result;
}

function pick(config: Readonly<Record<string, string>>, keys: readonly string[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const k of keys) if (config[k] !== undefined) result[k] = config[k];
  return result;
}
