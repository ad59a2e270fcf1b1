import {
  ApiException,
  Configuration,
  HttpMethod,
  KubeConfig,
  KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  ResponseContext,
  Watch,
} from '@kubernetes/client-node';

type Verb = 'create' | 'patch' | 'replace';

/**
 * One watch of one object, as {@link RawObjectApi.watchObject} opens it.
 *
 * @public
 */
export interface ObjectWatchOptions {
  /** Start after this version (the `metadata.resourceVersion` of a read); absent: from now, with an `ADDED` event for the object. */
  resourceVersion?: string;
  /** The API server ends the watch after this many seconds (`timeoutSeconds`); `onDone` is then called with no error. */
  timeoutSeconds?: number;
}

/**
 * A `KubernetesObjectApi` that sends and returns objects as JSON, unchanged.
 *
 * client-node 1.4's `KubernetesObjectApi` serialises request bodies through its typed models
 * (`ObjectSerializer.serialize(spec, '<Version><Kind>')`, which reads the TypeScript property
 * names, so `x-kubernetes-preserve-unknown-fields`, `$ref`, `default`, `enum`… of a CRD schema and
 * every field the model lacks are dropped) and deserialises responses into model instances (camel
 * case names, `Date`s, unknown fields dropped). The type is picked from version and kind alone, so a
 * custom resource whose kind collides with a built-in (`example.com/v1` `Service`) is mangled too.
 * This subclass keeps the URL building, authentication and middleware of the base class and
 * replaces only the body handling: what is applied is exactly the rendered JSON, and what is read
 * is exactly what the API server returned.
 *
 * @public
 */
export class RawObjectApi extends KubernetesObjectApi {
  /** A client for the kubeconfig's current context (default namespace from the context). */
  static fromKubeConfig(kc: KubeConfig): RawObjectApi {
    const api = kc.makeApiClient(RawObjectApi);
    api.setDefaultNamespace(kc);
    return api;
  }

  /** The same connection as an existing `KubernetesObjectApi`, with raw JSON bodies. */
  static wrap(api: KubernetesObjectApi): RawObjectApi {
    if (api instanceof RawObjectApi) return api;
    const base = api as unknown as RawObjectApi;
    const raw = new RawObjectApi(base.configuration);
    raw.defaultNamespace = base.defaultNamespace;
    return raw;
  }

  /** The KubeConfig this client authenticates with (what `KubeConfig.makeApiClient` sets), if any. */
  private watchConfig(): KubeConfig | undefined {
    const auth = this.configuration.authMethods.default;
    return auth instanceof KubeConfig ? auth : undefined;
  }

  /**
   * Whether {@link RawObjectApi.watchObject} can open watches: the client was made from a
   * KubeConfig (`fromKubeConfig`, `KubeConfig.makeApiClient`, or `wrap` of such a client).
   */
  canWatch(): boolean {
    return this.watchConfig() !== undefined;
  }

  /**
   * Watches one object: a watch of its kind's collection in its namespace, selected by
   * `metadata.name`. `onEvent` gets each event's type (`ADDED`, `MODIFIED`, `DELETED`,
   * `BOOKMARK`, `ERROR`) and its object as the API server sent it (for `ERROR`, a `Status`, e.g.
   * code 410 when `resourceVersion` is too old). `onDone` is called once when the watch ends:
   * without an error when the server closed it, else with the error (`statusCode` set when the
   * server refused the watch, e.g. 403 without the `watch` verb). Resolves to a function that stops
   * the watch (then `onDone` may be called with an abort error).
   */
  async watchObject(
    spec: KubernetesObject,
    opts: ObjectWatchOptions,
    onEvent: (type: string, object: KubernetesObject) => void,
    onDone: (err?: unknown) => void,
  ): Promise<() => void> {
    const kc = this.watchConfig();
    if (!kc)
      throw new Error(
        'this client cannot watch: its configuration carries no KubeConfig (make it with RawObjectApi.fromKubeConfig)',
      );
    const name = spec.metadata?.name;
    if (!name)
      throw new Error(
        `cannot watch a ${spec.kind} without metadata.name: the object to watch needs its name`,
      );
    const apiVersion = spec.apiVersion ?? 'v1';
    const resource = await this.resource(apiVersion, spec.kind ?? '');
    // as read() does: a namespaced object without a namespace is in the default namespace
    const namespace =
      spec.metadata?.namespace ??
      (resource?.namespaced ? this.defaultNamespace : undefined);
    const path = await this.specUriPath(
      { apiVersion, kind: spec.kind, metadata: { namespace } },
      'list',
    );
    const controller = await new Watch(kc).watch(
      path,
      {
        fieldSelector: `metadata.name=${name}`,
        resourceVersion: opts.resourceVersion,
        timeoutSeconds: opts.timeoutSeconds,
        allowWatchBookmarks: true,
      },
      (type, object) => onEvent(type, object as KubernetesObject),
      err => onDone(err ?? undefined),
    );
    return () => controller.abort();
  }

  private async send<T extends KubernetesObject>(
    verb: Verb,
    spec: T,
    query: Record<string, string | boolean | undefined>,
    contentType: string,
    options?: Configuration,
  ): Promise<T> {
    if (spec === null || spec === undefined)
      throw new Error(`an object is required to ${verb}`);
    const config = options ?? this.configuration;
    const method = {
      create: HttpMethod.POST,
      patch: HttpMethod.PATCH,
      replace: HttpMethod.PUT,
    }[verb];
    const ctx = config.baseServer.makeRequestContext(
      await this.specUriPath(spec, verb),
      method,
    );
    ctx.setHeaderParam('Accept', 'application/json, */*;q=0.8');
    ctx.setHeaderParam('Content-Type', contentType);
    for (const [k, v] of Object.entries(query))
      if (v !== undefined) ctx.setQueryParam(k, String(v));
    ctx.setBody(JSON.stringify(spec));
    return this.requestPromise<T>(ctx, undefined, options);
  }

  override create<T extends KubernetesObject>(
    spec: T,
    pretty?: string,
    dryRun?: string,
    fieldManager?: string,
    options?: Configuration,
  ): Promise<T> {
    const q = { pretty, dryRun, fieldManager };
    return this.send('create', spec, q, 'application/json', options);
  }

  override patch<T extends KubernetesObject>(
    spec: T,
    pretty?: string,
    dryRun?: string,
    fieldManager?: string,
    force?: boolean,
    patchStrategy: PatchStrategy = PatchStrategy.StrategicMergePatch,
    options?: Configuration,
  ): Promise<T> {
    const q = { pretty, dryRun, fieldManager, force };
    return this.send('patch', spec, q, patchStrategy, options);
  }

  override replace<T extends KubernetesObject>(
    spec: T,
    pretty?: string,
    dryRun?: string,
    fieldManager?: string,
    options?: Configuration,
  ): Promise<T> {
    const q = { pretty, dryRun, fieldManager };
    return this.send('replace', spec, q, 'application/json', options);
  }

  /** Returns the response JSON as parsed, without the typed models. */
  protected override async processResponse<T extends KubernetesObject>(
    response: ResponseContext,
  ): Promise<T> {
    const text = await response.body.text();
    if (response.httpStatusCode >= 200 && response.httpStatusCode <= 299) {
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new Error(
          `the API server answered HTTP ${
            response.httpStatusCode
          } with a body that is not JSON: ${text.slice(0, 200)}`,
        );
      }
    }
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // keep the text
    }
    throw new ApiException(
      response.httpStatusCode,
      'Unsuccessful HTTP Request',
      body,
      response.headers,
    );
  }
}
