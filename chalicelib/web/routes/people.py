"""Who is calling (/api/me) and the department directory (派单目录): everyone reads it, admins keep it."""

from chalice import Blueprint

from chalicelib import wiring
from chalicelib.people.access import Action, Principal
from chalicelib.people.directory import CODE_PATTERN, Department, DepartmentFields
from chalicelib.people.models import Me
from chalicelib.web.http_api import JsonApi
from chalicelib.web.operations import Listing, Operation

routes = Blueprint(__name__)
api = JsonApi(routes)


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
        "Add or change a department (admins); articles name it by code, so none changes",
        Department,
        needs=Action.MANAGE,
        errors=(409,),
        path_schemas={"code": {"type": "string", "pattern": CODE_PATTERN, "maxLength": 60}},
    )
)
def save_department(code: str, caller: Principal, body: DepartmentFields):
    return wiring.directory().save(code, body, caller)
