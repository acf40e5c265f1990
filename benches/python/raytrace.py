# Raytrace: a small recursive ray tracer (spheres, a checkered ground plane, two point
# lights, reflections up to depth 3) rendering a WIDTH x HEIGHT image; prints a
# checksum of the 8-bit pixel values.
import math

EPSILON = 0.00001
WIDTH = 128
HEIGHT = 128


class Vec:
    def __init__(self, x, y, z):
        self.x = x
        self.y = y
        self.z = z

    def add(self, o):
        return Vec(self.x + o.x, self.y + o.y, self.z + o.z)

    def sub(self, o):
        return Vec(self.x - o.x, self.y - o.y, self.z - o.z)

    def scale(self, f):
        return Vec(f * self.x, f * self.y, f * self.z)

    def dot(self, o):
        return self.x * o.x + self.y * o.y + self.z * o.z

    def cross(self, o):
        return Vec(self.y * o.z - self.z * o.y,
                   self.z * o.x - self.x * o.z,
                   self.x * o.y - self.y * o.x)

    def magnitude(self):
        return math.sqrt(self.dot(self))

    def normalized(self):
        return self.scale(1.0 / self.magnitude())

    def reflect_through(self, normal):
        d = normal.scale(self.dot(normal))
        return self.sub(d.scale(2.0))


ORIGIN = Vec(0.0, 0.0, 0.0)
UP = Vec(0.0, 1.0, 0.0)


class Ray:
    def __init__(self, point, vector):
        self.point = point
        self.vector = vector.normalized()

    def point_at(self, t):
        return self.point.add(self.vector.scale(t))


class Sphere:
    def __init__(self, centre, radius):
        self.centre = centre
        self.radius = radius

    def intersection_time(self, ray):
        cp = self.centre.sub(ray.point)
        v = cp.dot(ray.vector)
        discriminant = self.radius * self.radius - (cp.dot(cp) - v * v)
        if discriminant < 0.0:
            return None
        return v - math.sqrt(discriminant)

    def normal_at(self, p):
        return p.sub(self.centre).normalized()


class Plane:
    def __init__(self, point, normal):
        self.point = point
        self.normal = normal.normalized()

    def intersection_time(self, ray):
        v = ray.vector.dot(self.normal)
        if v == 0.0:
            return None
        return 1.0 / -v

    def normal_at(self, p):
        return self.normal


class Surface:
    def __init__(self, base, checker=False, other=(0.0, 0.0, 0.0), check_size=1.0,
                 specular=0.2, lambert=0.6):
        self.base = base
        self.checker = checker
        self.other = other
        self.check_size = check_size
        self.specular = specular
        self.lambert = lambert
        self.ambient = 1.0 - specular - lambert

    def base_colour_at(self, p):
        if not self.checker:
            return self.base
        v = p.sub(ORIGIN).scale(1.0 / self.check_size)
        if (int(abs(v.x) + 0.5) + int(abs(v.y) + 0.5) + int(abs(v.z) + 0.5)) % 2 == 1:
            return self.other
        return self.base

    def colour_at(self, scene, ray, p, normal, depth):
        b = self.base_colour_at(p)
        c = (0.0, 0.0, 0.0)
        if self.specular > 0.0:
            reflected = Ray(p, ray.vector.reflect_through(normal))
            c = add_colours(c, self.specular, scene.ray_colour(reflected, depth + 1))
        if self.lambert > 0.0:
            amount = 0.0
            for light in scene.visible_lights(p):
                contribution = light.sub(p).normalized().dot(normal)
                if contribution > 0.0:
                    amount += contribution
            c = add_colours(c, self.lambert * min(1.0, amount), b)
        if self.ambient > 0.0:
            c = add_colours(c, self.ambient, b)
        return c


def add_colours(a, f, b):
    return (a[0] + f * b[0], a[1] + f * b[1], a[2] + f * b[2])


class Scene:
    def __init__(self, position, looking_at, field_of_view):
        self.objects = []
        self.lights = []
        self.position = position
        self.looking_at = looking_at
        self.field_of_view = field_of_view

    def ray_colour(self, ray, depth):
        if depth > 3:
            return (0.0, 0.0, 0.0)
        best = None
        best_t = 0.0
        for obj, surface in self.objects:
            t = obj.intersection_time(ray)
            if t is not None and t > -EPSILON and (best is None or t < best_t):
                best = (obj, surface)
                best_t = t
        if best is None:
            return (0.0, 0.0, 0.0)
        obj, surface = best
        p = ray.point_at(best_t)
        return surface.colour_at(self, ray, p, obj.normal_at(p), depth)

    def light_is_visible(self, light, p):
        for obj, _ in self.objects:
            t = obj.intersection_time(Ray(p, light.sub(p)))
            if t is not None and t > EPSILON:
                return False
        return True

    def visible_lights(self, p):
        return [light for light in self.lights if self.light_is_visible(light, p)]

    def render(self, width, height):
        pixels = [0] * (width * height * 3)
        fov = math.pi * (self.field_of_view / 2.0) / 180.0
        half_width = math.tan(fov)
        half_height = 0.75 * half_width
        pixel_width = half_width * 2.0 / (width - 1)
        pixel_height = half_height * 2.0 / (height - 1)
        eye = Ray(self.position, self.looking_at.sub(self.position))
        vp_right = eye.vector.cross(UP).normalized()
        vp_up = vp_right.cross(eye.vector).normalized()
        for y in range(height):
            for x in range(width):
                xcomp = vp_right.scale(x * pixel_width - half_width)
                ycomp = vp_up.scale(y * pixel_height - half_height)
                ray = Ray(eye.point, eye.vector.add(xcomp).add(ycomp))
                colour = self.ray_colour(ray, 0)
                i = ((height - y - 1) * width + x) * 3
                for k in range(3):
                    pixels[i + k] = max(0, min(255, int(colour[k] * 255.0)))
        return pixels


def main():
    scene = Scene(Vec(0.0, 1.8, 10.0), Vec(0.0, 3.0, 0.0), 45.0)
    scene.lights.append(Vec(30.0, 30.0, 10.0))
    scene.lights.append(Vec(-10.0, 100.0, 30.0))
    scene.objects.append((Sphere(Vec(1.0, 3.0, -10.0), 2.0), Surface((1.0, 1.0, 0.0))))
    for y in range(6):
        yf = float(y)
        scene.objects.append((Sphere(Vec(-3.0 - yf * 0.4, 2.3, -5.0), 0.4),
                              Surface((yf / 6.0, 1.0 - yf / 6.0, 0.5))))
    scene.objects.append((Plane(ORIGIN, UP), Surface((1.0, 1.0, 1.0), checker=True, check_size=2.0)))
    pixels = scene.render(WIDTH, HEIGHT)
    checksum = 0
    for p in pixels:
        checksum = (checksum * 31 + p) % 1000000007
    print(f"raytrace {WIDTH}x{HEIGHT}: sum {sum(pixels)}, hash {checksum}")
    mid = (HEIGHT // 2 * WIDTH + WIDTH // 2) * 3
    print(f"centre pixel {pixels[mid:mid + 3]}, last pixel {pixels[-3:]}, brightest {max(pixels)}")


main()
