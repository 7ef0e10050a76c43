import { z } from 'zod';
import { operation } from '../openapi/api-operation.js';
import { ROLES } from './roles.js';
import { newStaffAccount } from './staff-accounts.js';
import { createStaffLinkBody } from './staff-links.js';

const staffAccount = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  role: z.enum(ROLES),
  locked: z.boolean(),
  createdAt: z.string(),
});

export const staffAccountOperations = [
  operation({
    method: 'post',
    path: '/v1/staff-accounts',
    operationId: 'createStaffAccount',
    tag: 'Staff',
    summary: 'A person at the practice who signs in to the staff screens',
    description:
      'Usernames are unique across the install. The password is stored only as an argon2id hash; ' +
      'five wrong passwords in a row lock the account for 15 minutes.',
    auth: 'apiKey',
    body: {
      name: 'CreateStaffAccountRequest',
      schema: newStaffAccount,
      example: {
        username: 'anna.tech',
        displayName: 'Anna Berg',
        role: 'technician',
        password: 'correct horse battery staple',
      },
    },
    responses: { 201: { description: 'The account.', body: { name: 'StaffAccount', schema: staffAccount } } },
    problems: [409],
  }),
  operation({
    method: 'get',
    path: '/v1/staff-accounts',
    operationId: 'listStaffAccounts',
    tag: 'Staff',
    summary: 'The staff accounts of the site',
    auth: 'apiKey',
    responses: {
      200: {
        description: 'Every account, by username.',
        body: { name: 'StaffAccountList', schema: z.object({ items: z.array(staffAccount) }) },
      },
    },
  }),
  operation({
    method: 'post',
    path: '/v1/staff-links',
    operationId: 'createStaffLink',
    tag: 'Staff',
    summary: 'A short-lived, single-use link that opens the staff screens as a PIMS user',
    description:
      'Open the `url` in a new tab for the signed-in PIMS user: the first use opens a session with the ' +
      'role given here; a second use, or a use after `expiresAt`, is refused and recorded.',
    auth: 'apiKey',
    body: {
      name: 'CreateStaffLinkRequest',
      schema: createStaffLinkBody,
      example: { user: { id: 'U7', name: 'Dr Jane Doe' }, role: 'vet', next: '/app/orders', ttlSeconds: 60 },
    },
    responses: {
      201: {
        description: 'The link.',
        body: { name: 'StaffLink', schema: z.object({ url: z.string(), expiresAt: z.iso.datetime() }) },
      },
    },
  }),
];
