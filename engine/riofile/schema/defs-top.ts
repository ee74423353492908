import { PATTERNS } from './patterns.js';
import { bool, field, int, list, str, type JsonSchema, type ObjectSpec } from './spec.js';

const duration: JsonSchema = { type: ['string', 'integer'], pattern: PATTERNS.duration, minimum: 0 };
const obj = (def: string): JsonSchema => ({ type: 'object', $ref: `#/$defs/${def}` });
const nameValue: JsonSchema = { type: 'object', $ref: '#/$defs/headerValue' };

export const topDefs: Record<string, ObjectSpec> = {
  riofile: {
    description: 'A Riofile: services, configs, routers, external services, plain Kubernetes manifests and templating for one app repository.',
    fields: {
      services: field('Services by name (DNS label without "--"). Each is one version of an app.', { type: 'object', additionalProperties: obj('service'), propertyNames: { pattern: PATTERNS.name, maxLength: 63 } }),
      configs: field('ConfigMaps by name: each a map of key -> text. Mounted with `configs:` in a service.', {
        type: 'object',
        propertyNames: { pattern: PATTERNS.dnsSubdomain, maxLength: 253 },
        additionalProperties: { type: 'object', propertyNames: { pattern: PATTERNS.configKey }, additionalProperties: { type: ['string', 'number', 'boolean'] } },
      }),
      routers: field('Routers by name (DNS label without "--"): path/header based routing across apps.', { type: 'object', additionalProperties: obj('router'), propertyNames: { pattern: PATTERNS.name, maxLength: 63 } }),
      externalservices: field('External services by name: IPs, an FQDN, or an app in another namespace. Needs allow.externalServices in the config repository (SECURITY.md).', { type: 'object', additionalProperties: obj('externalService'), propertyNames: { pattern: PATTERNS.dnsLabel, maxLength: 63 } }, ['externalServices']),
      kubernetes: field('Plain Kubernetes objects applied as-is.', obj('kubernetes')),
      template: field('Templating of this file: goTemplate, envSubst and the questions that supply values.', obj('template')),
    },
  },
  kubernetes: {
    description: 'Plain Kubernetes objects.',
    fields: { manifest: field('A multi-document YAML string of Kubernetes objects (each with apiVersion and kind).', str()) },
  },
  router: {
    description: 'A router: ordered routes; the first matching route is used.',
    fields: {
      internal: field('Only reachable inside the cluster. Default false.', bool),
      routes: field('Routes, tried in order.', list(obj('route'))),
    },
  },
  route: {
    description: 'A route: a match and what to do with matching requests.',
    fields: {
      match: field('Conditions on the request: {path, scheme, methods, headers}. Absent: every request.', obj('match')),
      to: field('Destinations, weighted: [{app, version, port, weight}].', list(obj('destination'))),
      redirect: field('Answer with a redirect: {host, path, toHTTPS}.', obj('redirect')),
      rewrite: field('Rewrite host or path before forwarding: {host, path}.', obj('rewrite')),
      headers: field('Header operations: {add, set, remove}.', obj('headerOps')),
      retry: field('Retries: {attempts, timeoutSeconds}.', obj('retry')),
      timeoutSeconds: field('Request timeout (seconds or a duration).', duration, ['timeout']),
      fault: field('Fault injection: {percentage, delayMillis, abortHTTPStatus}.', obj('fault')),
      mirror: field('Also send a copy of the traffic to {app, version, port}.', obj('mirror')),
    },
  },
  match: {
    description: 'Request conditions; all must hold.',
    fields: {
      path: field('Path: {exact|prefix|regexp}.', obj('stringMatch')),
      scheme: field('Scheme: {exact|prefix|regexp}.', obj('stringMatch'), ['schema']),
      methods: field('HTTP methods (GET, POST...).', { type: ['array', 'string'], items: str() }, ['method']),
      headers: field('Header conditions: [{name, value: {exact|prefix|regexp}}].', list(obj('headerMatch'))),
    },
  },
  stringMatch: {
    description: 'Exactly one of exact, prefix, regexp.',
    fields: {
      exact: field('Equal to this.', str()),
      prefix: field('Starts with this.', str()),
      regexp: field('Matches this regular expression.', str(), ['regxp', 'regex']),
    },
    extra: { minProperties: 1, maxProperties: 1 },
  },
  headerMatch: {
    description: 'A header condition.',
    fields: { name: field('Header name.', str()), value: field('Value: {exact|prefix|regexp}.', obj('stringMatch')) },
    extra: { required: ['name'] },
  },
  destination: {
    description: 'A weighted destination.',
    fields: {
      app: field('App name.', str()),
      version: field('Version. Absent: every version, by their weights.', str()),
      port: field('Service port. Default: the first exposed port.', int(1, 65535)),
      weight: field('Percent of the route traffic.', int(0, 100)),
      namespace: field('Namespace of the app. Default: this one.', str()),
    },
    extra: { required: ['app'] },
  },
  redirect: {
    description: 'A redirect.',
    fields: { host: field('New host.', str()), path: field('New path.', str()), toHTTPS: field('Redirect to https. Default false.', bool) },
  },
  rewrite: {
    description: 'A rewrite.',
    fields: { host: field('New host.', str()), path: field('New path.', str()) },
  },
  headerOps: {
    description: 'Header operations.',
    fields: {
      add: field('Headers to add: [{name, value}].', list(nameValue)),
      set: field('Headers to set: [{name, value}].', list(nameValue)),
      remove: field('Header names to remove.', list(str())),
    },
  },
  headerValue: {
    description: 'A header.',
    fields: { name: field('Header name.', str()), value: field('Header value.', { type: ['string', 'number', 'boolean'] }) },
    extra: { required: ['name', 'value'] },
  },
  retry: {
    description: 'Retry policy.',
    fields: { attempts: field('Retries per request.', int(0)), timeoutSeconds: field('Timeout per attempt (seconds or a duration).', duration, ['timeout']) },
  },
  fault: {
    description: 'Fault injection.',
    fields: {
      percentage: field('Percent of requests affected.', int(0, 100)),
      delayMillis: field('Delay before forwarding, in milliseconds.', int(0)),
      abortHTTPStatus: field('Answer with this HTTP status instead of forwarding.', int(100, 599)),
    },
  },
  mirror: {
    description: 'Mirror destination.',
    fields: {
      app: field('App name.', str()),
      version: field('Version.', str()),
      port: field('Service port.', int(1, 65535)),
      namespace: field('Namespace of the app.', str()),
    },
    extra: { required: ['app'] },
  },
  externalService: {
    description: 'An external service: exactly one of ipAddresses, fqdn, or a target app/router.',
    fields: {
      ipAddresses: field('IP addresses outside the cluster.', list(str())),
      fqdn: field('A DNS name outside the cluster.', str()),
      targetApp: field('An app, usually in another namespace.', str()),
      targetVersion: field('Version of targetApp.', str()),
      targetRouter: field('A router instead of an app.', str()),
      targetServiceNamespace: field('Namespace of targetApp or targetRouter.', str()),
      service: field("Rio docs' form of a target: NAMESPACE/APP.", str({ pattern: '^[^/]+/[^/]+$' })),
    },
  },
  template: {
    description: 'How this file is templated before it is read.',
    fields: {
      goTemplate: field('Expand Go-template actions ({{ if }}, {{ .Values.X }}). Default false.', bool),
      envSubst: field('Substitute ${VAR} and ${VAR:-default} with answers. Default false.', bool),
      questions: field('Variables the file uses, with their types and limits.', list(obj('question'))),
    },
  },
  question: {
    description: 'A template variable.',
    fields: {
      variable: field('Variable name (NAMESPACE and REVISION are filled in by Ria).', str({ pattern: PATTERNS.variable })),
      label: field('Short label.', str()),
      description: field('What the answer is for.', str()),
      type: field('string (default), int, bool, enum, password or multiline.', { type: 'string', enum: ['string', 'int', 'bool', 'boolean', 'enum', 'password', 'multiline'] }),
      required: field('An answer (or default) must be given. Default false.', bool),
      default: field('Used when no answer is given.', { type: ['string', 'number', 'boolean'] }),
      options: field('Allowed answers (type enum).', list({ type: ['string', 'number', 'boolean'] })),
      min: field('Smallest int answer.', { type: 'integer' }),
      max: field('Largest int answer.', { type: 'integer' }),
      minLength: field('Shortest answer.', int(0)),
      maxLength: field('Longest answer.', int(0)),
      validChars: field('Characters an answer may contain.', str()),
      invalidChars: field('Characters an answer must not contain.', str()),
      group: field('UI group (informational).', str()),
      showIf: field('UI condition (informational).', str()),
      showSubquestionIf: field('UI condition (informational).', str()),
      subquestions: field('Follow-up questions (informational; not asked).', list({ type: 'object' })),
    },
    extra: { required: ['variable'] },
  },
};
