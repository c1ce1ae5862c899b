/** The demo tenant with small pages and extra objects, so paging and nesting show up in a few requests. */
import path from 'node:path';
import { loadTenantFixture, type TenantFixture } from '../../../graphsim/tenantFixture';

export const ALEX = 'a0000000-0000-4000-8000-000000000000';
export const MEGAN = 'a0000000-0000-4000-8000-000000000001';
export const ADELE = 'a0000000-0000-4000-8000-000000000002';
export const ISAIAH = 'a0000000-0000-4000-8000-000000000003';
export const PATTI = 'a0000000-0000-4000-8000-000000000004';
export const LYNNE = 'a0000000-0000-4000-8000-000000000005';
export const ACCESS_GROUP = 'b0000000-0000-4000-8000-0000000000a1';
export const FALLBACK_GROUP = 'b0000000-0000-4000-8000-0000000000a2';
export const IT_SECURITY = 'b0000000-0000-4000-8000-0000000000a3';
export const ALL_STAFF = 'b0000000-0000-4000-8000-0000000000f1';
export const SECURITY_CHAMPIONS = 'b0000000-0000-4000-8000-0000000000f2';
export const CATALOG_APP = 'c0000000-0000-4000-8000-0000000000c1';
export const MEGAN_IPHONE = 'd0000000-0000-4000-8000-000000000001';
export const ADELE_ANDROID = 'd0000000-0000-4000-8000-000000000002';
export const ALEX_IPHONE = 'd0000000-0000-4000-8000-000000000011';
export const DEMO_TENANT_PATH = path.resolve(__dirname, '../../../graphsim/tenants/demo.json');

/** demo.json + page size 2 + "All staff" (every user, and IT Security nested) + a nesting group. */
export function testTenant(): TenantFixture {
  const t = loadTenantFixture(DEMO_TENANT_PATH);
  t.settings.pageSize = 2;
  t.groups.push(
    { id: ALL_STAFF, displayName: 'All staff', securityEnabled: true, mailEnabled: false, members: [...t.users.map((u) => u.id), IT_SECURITY] },
    // Nested: Lynne is in IT Security, which is in Security Champions.
    { id: SECURITY_CHAMPIONS, displayName: 'Security Champions', securityEnabled: true, mailEnabled: false, members: [IT_SECURITY] },
  );
  return t;
}
