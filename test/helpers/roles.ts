// IAM's ListRoles answer, for the unit tests of steps that own a role: the roles as GetRole
// reports them, less what a listing leaves out (Tags, RoleLastUsed, PermissionsBoundary).
import type { ListRolesCommandOutput, Role } from '@aws-sdk/client-iam';

export function listedRoles(...roles: Role[]): Partial<ListRolesCommandOutput> {
  const listed = roles.map(({ Tags: _tags, RoleLastUsed: _used, PermissionsBoundary: _boundary, ...role }) => role);
  return { Roles: listed, IsTruncated: false };
}
