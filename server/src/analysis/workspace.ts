import * as path from "node:path";
import { ProjectIndex } from "./projectIndex";

/**
 * Several workspace folders, each its own project (its own asset graph: two folders may both
 * define `raw_orders` without a duplicate-key error). A file belongs to the deepest folder holding it.
 */
export class Workspace {
  private readonly projects = new Map<string, ProjectIndex>();

  /** Adds a folder (not indexed yet; call `indexFromDisk` on the result). */
  addFolder(root: string): ProjectIndex {
    const resolved = path.resolve(root);
    let project = this.projects.get(resolved);
    if (!project) {
      project = new ProjectIndex(resolved);
      this.projects.set(resolved, project);
    }
    return project;
  }

  removeFolder(root: string): void {
    this.projects.delete(path.resolve(root));
  }

  /** Every project. */
  all(): ProjectIndex[] {
    return [...this.projects.values()];
  }

  /** The project a file belongs to (the deepest root containing it), if any. */
  projectFor(file: string): ProjectIndex | undefined {
    let best: ProjectIndex | undefined;
    for (const project of this.projects.values()) {
      if (project.owns(file) && (!best || project.root.length > best.root.length)) best = project;
    }
    return best;
  }
}
