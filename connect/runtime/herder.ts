// What the REST API (rest/) calls: Kafka Connect's Herder, with its REST bodies as the return
// types (snake_case where Kafka's JSON is), so a route serialises what it gets. Every method
// rejects with a HerderError whose `status` is the HTTP status Kafka answers.
import type { JsonValue } from '../api/index.ts';

/** A connector config as stored and returned: Kafka's flat string map. */
export type ConnectorConfig = Readonly<Record<string, string>>;

export type ConnectorType = 'source' | 'sink' | 'unknown';

/** Kafka's AbstractStatus.State. STOPPED is for connectors only. */
export type ConnectorState = 'UNASSIGNED' | 'RUNNING' | 'PAUSED' | 'FAILED' | 'RESTARTING' | 'STOPPED';

/** Kafka's TargetState: what the user asked the connector to be. */
export type TargetState = 'STARTED' | 'PAUSED' | 'STOPPED';

/** The state a connector is created in (POST /connectors `initial_state`). */
export type InitialState = 'RUNNING' | 'PAUSED' | 'STOPPED';

export interface ConnectorTaskId {
  readonly connector: string;
  readonly task: number;
}

/** GET /connectors/{name}, and the body of a create or config update. Secrets are masked. */
export interface ConnectorInfo {
  readonly name: string;
  readonly config: ConnectorConfig;
  readonly tasks: readonly ConnectorTaskId[];
  readonly type: ConnectorType;
}

export interface ConnectorStatusEntry {
  readonly state: ConnectorState;
  readonly worker_id: string;
  /** The failure's stack trace, when FAILED. */
  readonly trace?: string;
}

export interface TaskStatusEntry extends ConnectorStatusEntry {
  readonly id: number;
}

/** GET /connectors/{name}/status. */
export interface ConnectorStateInfo {
  readonly name: string;
  readonly connector: ConnectorStatusEntry;
  readonly tasks: readonly TaskStatusEntry[];
  readonly type: ConnectorType;
}

/** GET /connectors?expand=status&expand=info: one entry per connector, with what was asked. */
export interface ConnectorExpanded {
  readonly status?: ConnectorStateInfo;
  readonly info?: ConnectorInfo;
}
export type ExpandOption = 'status' | 'info';

/** One element of GET /connectors/{name}/tasks. Secrets are masked. */
export interface TaskInfo {
  readonly id: ConnectorTaskId;
  readonly config: Readonly<Record<string, string>>;
}

/** GET /connectors/{name}/topics: `{ [name]: { topics } }`. */
export type ActiveTopics = Readonly<Record<string, { readonly topics: readonly string[] }>>;

/** One partition's offset: source `{partition: {...}, offset: {...}}`; sink `{partition: {kafka_topic, kafka_partition}, offset: {kafka_offset}}`. */
export interface ConnectorOffset {
  readonly partition: Readonly<Record<string, JsonValue>>;
  /** null in a PATCH body resets that partition. */
  readonly offset: Readonly<Record<string, JsonValue>> | null;
}

/** GET/PATCH /connectors/{name}/offsets body. */
export interface ConnectorOffsets {
  readonly offsets: readonly ConnectorOffset[];
}

/** PATCH and DELETE /connectors/{name}/offsets answer. */
export interface Message {
  readonly message: string;
}

/** GET /connector-plugins entry. `type` also takes Kafka's other plugin kinds when connectorsOnly=false. */
export interface PluginInfo {
  readonly class: string;
  readonly type: 'source' | 'sink' | 'transformation' | 'predicate' | 'converter' | 'header_converter';
  readonly version: string;
}

/** Kafka's ConfigKeyInfo: one setting's definition (GET /connector-plugins/{p}/config and validate). */
export interface ConfigKeyInfo {
  readonly name: string;
  /** BOOLEAN, INT, LONG, DOUBLE, STRING, LIST, CLASS, PASSWORD. */
  readonly type: string;
  readonly required: boolean;
  readonly default_value: string | null;
  readonly importance: 'HIGH' | 'MEDIUM' | 'LOW';
  readonly documentation: string;
  readonly group: string | null;
  readonly order_in_group: number;
  readonly width: 'NONE' | 'SHORT' | 'MEDIUM' | 'LONG';
  readonly display_name: string;
  readonly dependents: readonly string[];
}

/** Kafka's ConfigValueInfo: one setting's value and its errors. */
export interface ConfigValueInfo {
  readonly name: string;
  readonly value: string | null;
  readonly recommended_values: readonly string[];
  readonly errors: readonly string[];
  readonly visible: boolean;
}

/** PUT /connector-plugins/{p}/config/validate answer (Kafka's ConfigInfos). Always 200, even with errors. */
export interface ConfigInfos {
  readonly name: string;
  readonly error_count: number;
  readonly groups: readonly string[];
  readonly configs: readonly { readonly definition: ConfigKeyInfo; readonly value: ConfigValueInfo }[];
}

/** GET / answer. */
export interface ServerInfo {
  readonly version: string;
  readonly commit: string;
  readonly kafka_cluster_id: string;
}

export interface RestartOptions {
  readonly includeTasks: boolean;
  readonly onlyFailed: boolean;
}

/**
 * Kafka's Herder: decides which connectors and tasks run, and answers the REST API.
 *
 * Errors (HerderError.status): 404 unknown connector/task/plugin; 409 name taken, or a rebalance
 * or concurrent change (retry); 400 invalid config (the message names each bad field), a `name`
 * in the body that differs from the URL's, offsets changed while the connector is not STOPPED;
 * 403 topic tracking reset disabled; 500 timeout or fault.
 */
export interface Herder {
  /** GET / */
  serverInfo(): Promise<ServerInfo>;

  /** GET /connectors: names, sorted. */
  connectors(): Promise<string[]>;
  /** GET /connectors?expand=...: unknown expand values are ignored, as Kafka does. */
  connectorsExpanded(expand: readonly ExpandOption[]): Promise<Record<string, ConnectorExpanded>>;

  /**
   * POST /connectors → 201. 409 if the name is taken; 400 on an invalid config or name (empty,
   * or containing `/` or control characters).
   */
  createConnector(name: string, config: Readonly<Record<string, unknown>>, initialState?: InitialState): Promise<ConnectorInfo>;
  /** PUT /connectors/{name}/config → 201 when `created`, else 200. 400 if config.name differs from name. */
  putConnectorConfig(name: string, config: Readonly<Record<string, unknown>>): Promise<{ readonly created: boolean; readonly info: ConnectorInfo }>;
  /** PATCH /connectors/{name}/config → 200: merges; a null value removes the key. 404 if unknown. */
  patchConnectorConfig(name: string, patch: Readonly<Record<string, unknown>>): Promise<ConnectorInfo>;

  /** GET /connectors/{name} */
  connectorInfo(name: string): Promise<ConnectorInfo>;
  /** GET /connectors/{name}/config (secrets masked) */
  connectorConfig(name: string): Promise<ConnectorConfig>;
  /** GET /connectors/{name}/status */
  connectorStatus(name: string): Promise<ConnectorStateInfo>;
  /** GET /connectors/{name}/tasks */
  taskConfigs(name: string): Promise<TaskInfo[]>;
  /** GET /connectors/{name}/topics */
  connectorActiveTopics(name: string): Promise<ActiveTopics>;
  /** PUT /connectors/{name}/topics/reset → 202 */
  resetConnectorActiveTopics(name: string): Promise<void>;

  /**
   * POST /connectors/{name}/restart. Both options false: restarts the connector only and resolves
   * to undefined (204). Otherwise resolves to the status after marking what restarts (202).
   */
  restartConnector(name: string, options: RestartOptions): Promise<ConnectorStateInfo | undefined>;
  /** PUT /connectors/{name}/pause → 202, idempotent. */
  pauseConnector(name: string): Promise<void>;
  /** PUT /connectors/{name}/resume → 202, idempotent; starts a STOPPED connector too. */
  resumeConnector(name: string): Promise<void>;
  /** PUT /connectors/{name}/stop → 204: tasks shut down, config and offsets kept. */
  stopConnector(name: string): Promise<void>;
  /** DELETE /connectors/{name} → 204. */
  deleteConnector(name: string): Promise<void>;

  /** GET /connectors/{name}/tasks/{id}/status */
  taskStatus(name: string, task: number): Promise<TaskStatusEntry>;
  /** POST /connectors/{name}/tasks/{id}/restart → 204 */
  restartTask(name: string, task: number): Promise<void>;

  /** GET /connectors/{name}/offsets */
  connectorOffsets(name: string): Promise<ConnectorOffsets>;
  /** PATCH /connectors/{name}/offsets → 200. 400 unless the connector is STOPPED, or on a malformed offset. */
  alterConnectorOffsets(name: string, offsets: ConnectorOffsets): Promise<Message>;
  /** DELETE /connectors/{name}/offsets → 200. 400 unless the connector is STOPPED. */
  resetConnectorOffsets(name: string): Promise<Message>;

  /** GET /connector-plugins[?connectorsOnly=false] (default true). */
  connectorPlugins(connectorsOnly: boolean): Promise<PluginInfo[]>;
  /** GET /connector-plugins/{plugin}/config: 404 for an unknown plugin. */
  connectorPluginConfig(plugin: string): Promise<ConfigKeyInfo[]>;
  /**
   * PUT /connector-plugins/{plugin}/config/validate → 200 with per-field errors. 400 if the body's
   * connector.class names another plugin than the path; 404 for an unknown plugin.
   */
  validateConnectorConfig(plugin: string, config: Readonly<Record<string, unknown>>): Promise<ConfigInfos>;
}
