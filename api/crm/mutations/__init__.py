"""Mutations of the CRM area, one module per record type, gathered into one type."""

import strawberry

from api.crm.mutations import contacts, customers, tags, teams


@strawberry.type
class CrmMutations:
    create_customer = customers.create_customer
    update_customer = customers.update_customer
    delete_customer = customers.delete_customer
    restore_customer = customers.restore_customer
    bulk_create_customers = customers.bulk_create_customers
    bulk_update_customers = customers.bulk_update_customers
    create_contact = contacts.create_contact
    update_contact = contacts.update_contact
    delete_contact = contacts.delete_contact
    restore_contact = contacts.restore_contact
    bulk_create_contacts = contacts.bulk_create_contacts
    bulk_update_contacts = contacts.bulk_update_contacts
    create_team = teams.create_team
    update_team = teams.update_team
    delete_team = teams.delete_team
    restore_team = teams.restore_team
    add_tags = tags.add_tags
    remove_tags = tags.remove_tags
