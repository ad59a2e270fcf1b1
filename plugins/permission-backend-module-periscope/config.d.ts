export interface Config {
  periscope?: {
    /** The permission policy of @periscope/backstage-plugin-permission-backend-module-periscope. */
    permissionPolicy?: {
      /**
       * `owners` (the default): members of an entity's owning groups read and act on it in the
       * Periscope plugins, `platformGroups` act on every entity and see the cluster-wide pages,
       * everyone else is denied. `allow-all`: everything is allowed (development only).
       */
      mode?: 'owners' | 'allow-all';
      /** Entity refs of the platform team's groups, e.g. `group:default/platform`. */
      platformGroups?: string[];
    };
  };
}
