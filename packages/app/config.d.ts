export interface Config {
  app?: {
    /**
     * The sign-in providers the portal offers: `guest` (local development only; the guest
     * provider refuses to run outside development) and `github`. Default `['guest']`.
     * @visibility frontend
     */
    signInProviders?: Array<'guest' | 'github'>;
  };
}
