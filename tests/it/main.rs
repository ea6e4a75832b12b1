//! Integration tests: the real app over HTTP, on SQLite, or on PostgreSQL with TEST_DATABASE_URL.

mod common;

mod access;
mod activity;
mod api;
mod app_authorization_counts;
mod app_authorization_pages;
mod app_authorizations;
mod apps;
mod auth;
mod authz;
mod cli;
mod csrf;
mod customers;
mod datasources;
mod grant_periods;
mod invitation_refusals;
mod invitations;
mod level_change;
mod link_lifecycle;
mod link_races;
mod mail;
mod memberships;
mod pages;
mod partner_access;
mod profile;
mod role_invitation_refusals;
mod role_invitations;
mod roles;
mod sessions;
mod setup;
mod shares;
mod staff;
mod staff_links;
mod subaccounts;
mod tenant_tabs;
