export interface InitGeneratorSchema {
  /** Skip formatting the files written. */
  skipFormat?: boolean;
  /** Skip running the package manager's install after adding devDependencies. */
  skipInstall?: boolean;
}
