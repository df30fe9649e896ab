"""Who is calling (/api/me), the department directory (派单目录): everyone reads it, admins keep it, a second admin
approves what citizens see; and the admin audit log."""

from chalice import Blueprint

from chalicelib import wiring
from chalicelib.people.access import Action, Principal
from chalicelib.people.changes import Change, ChangeParams
from chalicelib.people.directory import CODE_PATTERN, Department, DepartmentFields
from chalicelib.people.models import Me
from chalicelib.people.proposals import Proposal, ProposalNote, SavedDepartment
from chalicelib.web.http_api import JsonApi
from chalicelib.web.operations import IfMatch, Listing, Operation

routes = Blueprint(__name__)
api = JsonApi(routes)
CODE = {"type": "string", "pattern": CODE_PATTERN, "maxLength": 60}


@api.route(Operation("GET", "/api/me", "Who the key belongs to: principal id, name, role, department codes", Me))
def me(caller: Principal):
    return wiring.directory().me(caller)


@api.route(
    Operation(
        "GET",
        "/api/departments",
        "The department directory (派单目录): name, phone, hours, what each handles",
        Listing("departments", Department),
    )
)
def departments(caller: Principal):
    return wiring.directory().departments()


@api.route(
    Operation(
        "PUT",
        "/api/departments/{code}",
        "Add a department, or change one (admins): what it handles at once; its name, phone, hours, address or "
        "parent as a proposal another admin approves",
        SavedDepartment,
        needs=Action.MANAGE,
        errors=(409,),
        path_schemas={"code": CODE},
    )
)
def save_department(code: str, caller: Principal, body: DepartmentFields):
    return wiring.directory().save(code, body, caller)


@api.route(
    Operation(
        "DELETE",
        "/api/departments/{code}",
        "Retire a department (admins): kept for history, never offered again; refused while anything names it",
        Department,
        needs=Action.MANAGE,
        errors=(404, 409),
        path_schemas={"code": CODE},
    )
)
def retire_department(code: str, caller: Principal):
    return wiring.directory().retire(code, caller)


@api.route(
    Operation(
        "GET",
        "/api/department-proposals",
        "Directory changes waiting for a second admin, oldest first (admins)",
        Listing("proposals", Proposal),
        needs=Action.MANAGE,
    )
)
def department_proposals(caller: Principal):
    return wiring.directory().proposals(caller)


@api.route(
    Operation(
        "POST",
        "/api/department-proposals/{code}/approve",
        "Apply the proposal read (If-Match: its revision; an admin other than its proposer)",
        Department,
        needs=Action.MANAGE,
        if_match=IfMatch.REQUIRED,
        errors=(404,),
        path_schemas={"code": CODE},
    )
)
def approve_department(code: str, caller: Principal, if_match: int | None):
    return wiring.directory().approve(code, if_match, caller)


@api.route(
    Operation(
        "POST",
        "/api/department-proposals/{code}/reject",
        "Turn a proposal down (another admin) or withdraw it (its proposer); nothing changes",
        Department,
        needs=Action.MANAGE,
        body_optional=True,
        if_match=IfMatch.OPTIONAL,
        errors=(404,),
        path_schemas={"code": CODE},
    )
)
def reject_department(code: str, caller: Principal, body: ProposalNote, if_match: int | None):
    return wiring.directory().reject(code, body.note, if_match, caller)


@api.route(
    Operation(
        "GET",
        "/api/changes",
        "The admin audit log: directory, keys and other changes that are not an article's, newest first, paged; "
        "of one kind (directory, key, mapping, sync) or one person's (actor) if asked",
        Listing("changes", Change, paged=True),
        needs=Action.MANAGE,
    )
)
def changes(caller: Principal, query: ChangeParams):
    return wiring.changes().page(query, caller)
